"""Small-number suppression in the annual report (decision 0025): reprisal cases are counts of
people, so no table or sentence shows 1..threshold-1 of them, in the figures, the PDF's HTML or
the DOCX; each document states the rule; a shown total never gives one hidden count away."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.core import disclosure
from dozor.core.tests.test_disclosure import worked_out
from dozor.facilities.tests.factories import FacilityFactory
from dozor.publishing.annual import figures as annual
from dozor.publishing.annual.documents import annual_docx, annual_html
from dozor.recommendations.models import ReprisalCase
from dozor.recommendations.tests.factories import protected_person

YEAR = 2025
RULE = "Counts of people below 5 are not shown"
KINDS = list(ReprisalCase.Kind.values)


def make_cases(kinds: dict[str, int]) -> None:
    ReprisalCase.objects.all().delete()
    place = FacilityFactory()
    for kind, n in kinds.items():
        for _ in range(n):
            ReprisalCase.objects.create(
                person=protected_person(place), facility=place, kind=kind, raised_on=datetime.date(YEAR, 4, 1)
            )


def reprisal_values(report: annual.AnnualReport) -> list[object]:
    values: list[object] = []
    for key in ("reprisals_by_kind", "reprisals_by_state"):
        table = report.table(key)
        values += [row[1] for row in table.rows]
        assert table.total is not None
        values.append(table.total[1])
    return values


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.dictionaries(st.sampled_from(KINDS), st.integers(min_value=0, max_value=9)))
def test_no_reprisal_figure_is_small(kinds: dict[str, int]) -> None:
    make_cases(kinds)
    report = annual.build(YEAR, "en")
    values = reprisal_values(report)
    for value in values:
        assert not (isinstance(value, int) and 0 < value < 5), values
        assert isinstance(value, int) or value in {"fewer than 5", "not shown"}
    table = report.table("reprisals_by_kind")
    hidden = [row for row in table.rows if not isinstance(row[1], int)]
    assert not (isinstance(table.total[1], int) and len(hidden) == 1)  # type: ignore[index]
    for key in ("reprisals_by_kind", "reprisals_by_state"):
        shown = report.table(key)
        if isinstance(shown.total[1], int):  # type: ignore[index]
            cells = [
                disclosure.Cell(v if isinstance(v, int) else None, 5, secondary=v == "not shown")
                for v in (row[1] for row in shown.rows)
            ]
            assert not worked_out(cells, shown.total[1], 5)  # type: ignore[index]
    text = " ".join(report.section("reprisals").texts)
    total = sum(kinds.values())
    if 0 < total < 5:
        assert not re.search(rf"\b{total} cases", text) and "fewer than 5 cases" in text
    assert report.small_numbers_note.startswith(RULE)


@pytest.mark.django_db
def test_the_documents_state_the_rule_and_hide_small_counts() -> None:
    make_cases({ReprisalCase.Kind.ALLEGATION: 2, ReprisalCase.Kind.AT_RISK: 7})
    report = annual.build(YEAR, "en")
    assert report.table("reprisals_by_kind").column("Cases")[str(ReprisalCase.Kind.ALLEGATION.label)] == (
        "fewer than 5"
    )
    html = " ".join(annual_html(report).split())
    assert RULE in html and "fewer than 5" in html
    document = Document(io.BytesIO(annual_docx(report)))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert RULE in text and "fewer than 5" in text


@pytest.mark.django_db
def test_large_counts_are_exact(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_cases({ReprisalCase.Kind.ALLEGATION: 6, ReprisalCase.Kind.AT_RISK: 7})
    assert annual.build(YEAR, "en").table("reprisals_by_kind").total == ["Total", 13]
    pack = tmp_path / "xx"
    pack.mkdir()
    (pack / "disclosure.yaml").write_text("small_numbers:\n  threshold: 10\n", encoding="utf-8")
    settings.DOZOR_PACKS_DIR, settings.DOZOR_COUNTRY_PACK = tmp_path, "xx"
    cases = annual.build(YEAR, "en").table("reprisals_by_kind").column("Cases")
    assert cases[str(ReprisalCase.Kind.ALLEGATION.label)] == "fewer than 10"
