"""Small-number suppression in the visit report's occupancy annex (issue 16, decision 0025): the
versions that leave the NPM (``build(internal=False)``: the authority's version, the public version
and what open data carries of it) never show a count of people from 1 to threshold-1 by category,
state the rule, and keep no history total that would give a hidden count away; the internal
version keeps the exact numbers. Photo answers (register photos) never reach an outward version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.accounts.models import User
from dozor.core import disclosure
from dozor.core.tests.test_disclosure import worked_out
from dozor.facilities.models import Occupancy
from dozor.methodology.models import Question, QuestionType
from dozor.visits.models import Answer, OccupancyCount, Report, Submission
from dozor.visits.reports.content import build
from dozor.visits.reports.documents import report_docx_from, report_html
from dozor.visits.reports.tests.test_documents import docx_text, plain, report_visit

CATEGORIES = [c for c, _label in OccupancyCount.Category.choices]
LABELS = dict(OccupancyCount.Category.choices)
RULE = "Counts of people below 5 are not shown"


@pytest.fixture
def report(coordinator: User) -> Report:
    return report_visit(coordinator)


def set_counts(report: Report, counts: dict[str, int]) -> None:
    visit = report.visit
    OccupancyCount.objects.filter(visit=visit).delete()
    for category, population in counts.items():
        OccupancyCount.objects.create(visit=visit, category=category, capacity=50, population=population)
    Occupancy.objects.filter(facility=visit.facility, source=Occupancy.Source.VISIT).update(
        population=sum(counts.values())
    )


def annex_counts(text: str) -> dict[str, str]:
    """Category -> the population as the annex text shows it ("Boys (under 18): 3/50")."""
    found = {}
    for category, label in LABELS.items():
        match = re.search(rf"^{re.escape(str(label))}: (.+?)/", text, re.MULTILINE)
        if match:
            found[category] = match.group(1)
    return found


def test_the_outward_annex_hides_small_counts_and_states_the_rule(report: Report) -> None:
    set_counts(report, {"men": 97, "women": 12, "boys": 3})
    outward = build(report, lang="en", internal=False, evidence=False)
    assert annex_counts(outward.as_text()["annexes"]) == {
        "men": "97",
        "women": "not shown",  # else 112 - 97 - 12 would give the boys away
        "boys": "fewer than 5",
    }
    assert RULE in outward.as_text()["annexes"]
    html = plain(report_html(outward))
    assert RULE in html and "fewer than 5" in html
    text = plain(docx_text(report_docx_from(outward)))
    assert RULE in text and "fewer than 5" in text


def test_the_internal_version_keeps_exact_numbers(report: Report) -> None:
    set_counts(report, {"men": 97, "women": 12, "boys": 3})
    internal = build(report, lang="en", internal=True)
    assert annex_counts(internal.as_text()["annexes"]) == {"men": "97", "women": "12", "boys": "3"}
    assert RULE not in internal.as_text()["annexes"]
    assert RULE not in plain(report_html(internal))


def test_a_small_total_leaves_the_outward_history(report: Report) -> None:
    set_counts(report, {"women": 2})
    outward = build(report, lang="en", internal=False, evidence=False)
    assert all(p.population == 0 or p.population >= 5 for p in outward.history)
    assert 2 not in [p.population for p in outward.history]
    assert 2 in [p.population for p in build(report, lang="en", internal=True).history]


def test_the_rule_is_translated_in_the_outward_versions(report: Report) -> None:
    set_counts(report, {"men": 40, "boys": 1, "girls": 2})
    for lang in ("ru", "kk"):
        outward = build(report, lang=lang, internal=False, evidence=False)
        assert outward.small_numbers_note and outward.small_numbers_note in outward.as_text()["annexes"]


def test_the_threshold_comes_from_the_pack(report: Report, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = tmp_path / "xx"
    pack.mkdir()
    (pack / "disclosure.yaml").write_text("small_numbers:\n  threshold: 10\n", encoding="utf-8")
    settings.DOZOR_PACKS_DIR = tmp_path
    settings.DOZOR_COUNTRY_PACK = "xx"
    set_counts(report, {"men": 97, "women": 7, "girls": 8})
    text = build(report, lang="en", internal=False, evidence=False).as_text()["annexes"]
    assert annex_counts(text) == {"men": "97", "women": "fewer than 10", "girls": "fewer than 10"}
    assert "Counts of people below 10 are not shown" in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.dictionaries(st.sampled_from(CATEGORIES), st.integers(min_value=0, max_value=40), min_size=1)
)
def test_no_outward_annex_shows_a_small_category_count(report: Report, counts: dict[str, int]) -> None:
    set_counts(report, counts)
    threshold = disclosure.small_number_threshold()
    outward = build(report, lang="en", internal=False, evidence=False)
    shown = annex_counts(outward.as_text()["annexes"])
    assert set(shown) == set(counts)
    for category, value in shown.items():
        if value.isdigit():
            assert not 0 < int(value) < threshold
            assert int(value) == counts[category]
        else:
            assert value in {"fewer than 5", "not shown"}
    hidden = [c for c, v in shown.items() if not v.isdigit()]
    total_shown = any(p.from_visit for p in outward.history)
    assert not (total_shown and len(hidden) == 1)  # a shown total never gives one hidden count away
    if total_shown:
        cells = [
            disclosure.Cell(int(v) if v.isdigit() else None, threshold, secondary=v == "not shown")
            for v in shown.values()
        ]
        assert not worked_out(cells, sum(counts.values()), threshold)
    if any(0 < n < threshold for n in counts.values()):
        assert RULE in outward.as_text()["annexes"]
    html = report_html(outward)
    for row in re.findall(
        r"<tr><td>([^<]+)</td><td class=\"num\">[^<]*</td><td class=\"num\">([^<]+)</td>", html
    ):
        label, value = row
        if str(label) in map(str, LABELS.values()) and value.strip().isdigit():
            assert not 0 < int(value) < threshold


def test_photo_answers_never_reach_an_outward_version(report: Report) -> None:
    """A photo answer (a file name of a picture, e.g. of a register page) linked to a finding
    stays out of every version that leaves the NPM."""
    visit = report.visit
    question = Question.objects.filter(type=QuestionType.PHOTO).select_related("section__version").first()
    assert question is not None  # the shipped pack keeps photo questions where the methodology needs them
    submission = Submission.objects.create(
        visit=visit,
        version=question.section.version,
        instance_id="uuid:photo-test",
        source=Submission.Source.WEB,
        status=Submission.Status.FINAL,
    )
    answer = Answer.objects.create(submission=submission, question=question, value="REGISTER-PAGE-4411.jpg")
    for finding in visit.findings.all():
        finding.answers.add(answer)
    content = build(report, lang="en", internal=False, evidence=False)
    assert "REGISTER-PAGE-4411" not in "\n".join(content.as_text().values())
    assert "REGISTER-PAGE-4411" not in report_html(content)
    assert "REGISTER-PAGE-4411" not in docx_text(report_docx_from(content))


def test_a_visit_total_that_would_give_a_hidden_count_away_leaves_the_history(report: Report) -> None:
    set_counts(report, {"men": 5, "boys": 1})  # total 6: "boys fewer than 5" + "men not shown" = 6 -> boys 1
    outward = build(report, lang="en", internal=False, evidence=False)
    assert annex_counts(outward.as_text()["annexes"]) == {"men": "not shown", "boys": "fewer than 5"}
    assert not [p for p in outward.history if p.from_visit]
    assert [p.population for p in build(report, lang="en", internal=True).history if p.from_visit] == [6]


def test_the_outward_methodology_hides_small_counts_of_people_interviewed(report: Report) -> None:
    from dozor.visits.models import Interview

    visit = report.visit
    Interview.objects.filter(visit=visit).delete()
    for n in range(7):
        Interview.objects.create(
            visit=visit, code=f"S-{n}", category=Interview.Category.DETAINEE, held_on=visit.started_on
        )
    Interview.objects.create(
        visit=visit, code="S-C", category=Interview.Category.MEDICAL, held_on=visit.started_on
    )
    label = f"— {dict(Interview.Category.choices)[Interview.Category.MEDICAL]}"

    def shown(content: object) -> dict[str, str]:
        return dict(content.methodology_facts)  # type: ignore[attr-defined]

    internal = shown(build(report, lang="en", internal=True))
    assert internal[label] == "1" and internal["Private interviews"] == "8"
    outward = shown(build(report, lang="en", internal=False, evidence=False))
    assert outward[label] == "fewer than 5"
    # the one other category is hidden too, so the small one cannot be worked out from the total
    assert outward[f"— {dict(Interview.Category.choices)[Interview.Category.DETAINEE]}"] != "7"
