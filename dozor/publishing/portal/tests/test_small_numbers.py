"""Small-number suppression on the public portal (issue 16, decision 0025): a public version is
made from the outward build of the report, so its occupancy annex shows no count of people from 1
to threshold-1 by category, on the page, in the PDF and DOCX, and in the open data (JSON carries
the public text; CSV carries no count of people). The portal's own statistics count reports and
recommendations - the NPM's work, not people - and are shown exactly."""

from __future__ import annotations

import json
import re

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.accounts.models import User
from dozor.core.tests.pdf import pdf_text
from dozor.publishing.portal.tests.test_portal import (
    body,
    data_url,
    document_url,
    docx_text,
    get,
    make_report,
    make_version,
    report_url,
)
from dozor.visits.models import OccupancyCount, Report

LABELS = {c: str(label) for c, label in OccupancyCount.Category.choices}
RULE = "Counts of people below 5 are not shown"


def set_counts(report: Report, counts: dict[str, int]) -> None:
    OccupancyCount.objects.filter(visit=report.visit).delete()
    for category, population in counts.items():
        OccupancyCount.objects.create(
            visit=report.visit, category=category, capacity=60, population=population
        )


def small_counts_shown(text: str) -> list[str]:
    """Category lines of the annex text ("Boys (under 18): 3/60") whose count is 1..4."""
    found = []
    for label in LABELS.values():
        for value in re.findall(rf"{re.escape(label)}: ?(\d+)\b", text):
            if 0 < int(value) < 5:
                found.append(f"{label}: {value}")
    return found


def test_the_public_version_and_open_data_hide_small_counts(anonymous: Client, coordinator: User) -> None:
    cache.clear()
    report = make_report(coordinator)
    set_counts(report, {"men": 97, "women": 12, "boys": 3})
    version = make_version(report)
    page = " ".join(body(get(anonymous, report_url(version))).split())
    assert "Boys (under 18): fewer than 5" in page and RULE in page
    assert not small_counts_shown(page)
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = " ".join(read(get(anonymous, document_url(version, fmt)).content).split())
        assert RULE in text, fmt
        assert not small_counts_shown(text), fmt
    reports = json.loads(get(anonymous, data_url("reports", "json")).content)
    annex = next(s["text"] for s in reports["items"][0]["sections"] if s["key"] == "annexes")
    assert "fewer than 5" in annex and RULE in annex and not small_counts_shown(annex)
    csv_text = get(anonymous, data_url("reports", "csv")).content.decode("utf-8-sig")
    assert not small_counts_shown(csv_text)


def test_portal_statistics_count_reports_exactly(anonymous: Client, coordinator: User) -> None:
    """One published report: the statistics say 1 (a count of the NPM's reports identifies nobody)."""
    cache.clear()
    make_version(make_report(coordinator))
    page = body(get(anonymous, reverse("public:statistics", kwargs={"lang": "en"})))
    assert re.search(r"<dt>Published reports</dt><dd>1</dd>", page)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.dictionaries(st.sampled_from(list(LABELS)), st.integers(min_value=0, max_value=30), min_size=1)
)
def test_no_public_artefact_shows_a_small_category_count(
    anonymous: Client, coordinator: User, counts: dict[str, int]
) -> None:
    cache.clear()  # the portal keeps rendered pages and files in the cache
    report = make_report(coordinator)
    set_counts(report, counts)
    version = make_version(report)
    page = body(get(anonymous, report_url(version)))
    reports = json.loads(get(anonymous, data_url("reports", "json")).content)
    texts = [page] + [s["text"] for item in reports["items"] for s in item["sections"]]
    for text in texts:
        assert not small_counts_shown(" ".join(text.split()))
    if any(0 < n < 5 for n in counts.values()):
        assert RULE in " ".join(page.split())
