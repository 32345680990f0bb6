"""The annual consolidated report (dozor/publishing/annual/figures.py, annual_documents.py, the command and the page).

The figures are checked against independent counts: Python loops over the objects of a small
hand-made data set (not the report's aggregate queries)."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dozor.core.models import Authority, Region, VisitType
from dozor.core.tests.pdf import pdf_text
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.tests.factories import PersonFactory
from dozor.planning.models import Expense, PlannedVisit
from dozor.planning.tests.factories import PlanFactory
from dozor.publishing.annual import figures as annual
from dozor.publishing.annual.documents import annual_docx, annual_html, annual_pdf
from dozor.recommendations.models import Recommendation, ReprisalCase, Status
from dozor.recommendations.tests.factories import protected_person, recommendation
from dozor.standards.models import Theme
from dozor.training.models import Certificate, Enrolment, Event
from dozor.training.tests.factories import EnrolmentFactory, EventFactory
from dozor.visits.models import Finding, Interview, Visit

YEAR = 2025
SECRET_IDENTITY = "Бекзат Секретов 880101300123"
SECRET_SUMMARY = "Айгерим Тайная was threatened after the visit"


def _visit(facility, code: str, day: datetime.date, *, announced: bool = False, status: str = "completed"):
    return Visit.objects.create(
        facility=facility,
        visit_type=VisitType.objects.get(code=code),
        started_on=day,
        announced=announced,
        status=status,
    )


def _finding(visit: Visit, theme: str, severity: str, *, urgent: bool = False) -> Finding:
    return Finding.objects.create(
        visit=visit,
        theme=Theme.objects.get(code=theme),
        severity=severity,
        title=f"Камера-14 {SECRET_IDENTITY}",
        description=f"Described by {SECRET_IDENTITY}",
        possible_ill_treatment=urgent,
    )


@pytest.fixture
def data(coordinator):
    """Visits of 2025 of two types in two regions (and noise: a 2024 visit, a planned one)."""
    kgd, ast = Region.objects.get(code="KGD"), Region.objects.get(code="AST")
    kuis = Authority.objects.get(code="KUIS")
    sizo = FacilityFactory(type=facility_type("SIZO"), authority=kuis, region=kgd)
    sizo2 = FacilityFactory(type=facility_type("SIZO"), authority=kuis, region=ast)
    hospital = FacilityFactory(
        type=facility_type("PSYCH_HOSPITAL"), authority=Authority.objects.get(code="MZ"), region=ast
    )
    v1 = _visit(sizo, "periodic", datetime.date(YEAR, 2, 3))
    v2 = _visit(sizo, "follow_up", datetime.date(YEAR, 6, 10), announced=True)
    v3 = _visit(sizo2, "periodic", datetime.date(YEAR, 7, 1), status="in_progress")
    v4 = _visit(hospital, "periodic", datetime.date(YEAR, 11, 5))
    old = _visit(hospital, "periodic", datetime.date(YEAR - 1, 12, 30))
    _visit(hospital, "follow_up", datetime.date(YEAR, 12, 20), status="planned")
    _finding(v1, "safeguards", Finding.Severity.CRITICAL, urgent=True)
    _finding(v1, "safeguards", Finding.Severity.SERIOUS)
    _finding(v2, "material_conditions", Finding.Severity.MODERATE)
    _finding(v3, "treatment", Finding.Severity.POSITIVE)
    _finding(v4, "health_care", Finding.Severity.SERIOUS)
    _finding(old, "safeguards", Finding.Severity.CRITICAL)
    Interview.objects.create(
        visit=v1, code="P-1", category="detainee", held_on=v1.started_on, identity=SECRET_IDENTITY
    )
    for status, facility in (
        ("implemented", sizo),
        ("implemented", hospital),
        ("partially_implemented", sizo),
        ("in_progress", sizo2),
        ("no_longer_relevant", hospital),
    ):
        recommendation(coordinator, status=status, facility=facility, issued_on=datetime.date(YEAR, 5, 1))
    recommendation(coordinator, status="implemented", facility=sizo, issued_on=datetime.date(YEAR - 1, 5, 1))
    ReprisalCase.objects.create(
        person=protected_person(sizo),
        facility=sizo,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(YEAR, 3, 1),
        summary=SECRET_SUMMARY,
    )
    ReprisalCase.objects.create(
        person=protected_person(hospital),
        facility=hospital,
        kind=ReprisalCase.Kind.AT_RISK,
        raised_on=datetime.date(YEAR - 1, 3, 1),
    )
    event = EventFactory(starts_on=datetime.date(YEAR, 9, 2), ends_on=datetime.date(YEAR, 9, 4))
    enrolments = [EnrolmentFactory(event=event) for _ in range(3)]
    EnrolmentFactory(event=event, status=Enrolment.Status.CANCELLED)
    EventFactory(starts_on=datetime.date(YEAR, 10, 2), ends_on=datetime.date(YEAR, 10, 3), status="cancelled")
    Certificate.objects.create(enrolment=enrolments[0], code="CERT-1", issued_on=datetime.date(YEAR, 9, 5))
    plan = PlanFactory(year=YEAR, budget=Decimal("1000000"))
    planned = PlannedVisit.objects.create(
        plan=plan,
        facility=sizo,
        visit_type=VisitType.objects.get(code="periodic"),
        starts_on=datetime.date(YEAR, 2, 3),
        ends_on=datetime.date(YEAR, 2, 3),
        estimated_cost=Decimal("300000"),
    )
    Expense.objects.create(
        planned_visit=planned, category="travel", amount=Decimal("120000"), spent_on=planned.starts_on
    )
    Expense.objects.create(
        planned_visit=planned, category="per_diem", amount=Decimal("30000"), spent_on=planned.starts_on
    )
    return {"sizo": sizo, "hospital": hospital}


def _ministry(facility) -> str:
    """Independent: walk up the parents instead of reading the path."""
    authority = facility.authority
    while authority.parent_id is not None:
        authority = authority.parent
    return authority.short


def _year_visits() -> list[Visit]:
    return [
        v
        for v in Visit.objects.select_related("facility__region", "facility__authority", "visit_type")
        if v.started_on.year == YEAR and v.status != "planned"
    ]


def test_it_counts_visits_as_independent_loops_do(data):
    report = annual.build(YEAR, "en")
    visits = _year_visits()
    assert report.table("visits_by_type").column("Visits") == dict(Counter(v.visit_type.name for v in visits))
    by_region = report.table("visits_by_region").column("Visits")
    expected = Counter(v.facility.region.name for v in visits)
    assert {k: n for k, n in by_region.items() if n} == dict(expected)
    assert len(by_region) == Region.objects.count()  # every region listed, zeros too (the chart)
    by_ministry = report.table("visits_by_authority")
    assert by_ministry.column("Visits") == dict(Counter(_ministry(v.facility) for v in visits))
    assert by_ministry.column("Unannounced") == dict(
        Counter(_ministry(v.facility) for v in visits if not v.announced)
    )
    summary = report.table("visits_summary").column("Value")
    assert summary["Visits carried out"] == len(visits) == 4
    assert summary["Places visited"] == len({v.facility_id for v in visits}) == 3
    assert summary["Unannounced visits"] == 3
    assert summary["Share of unannounced visits"] == "75.0%"


def test_it_counts_findings_as_independent_loops_do(data):
    report = annual.build(YEAR, "en")
    year_visits = {v.pk for v in _year_visits()}
    findings = [
        f
        for f in Finding.objects.select_related("theme", "visit__facility__authority")
        if f.visit_id in year_visits
    ]
    table = report.table("findings_by_theme")
    for theme in {f.theme for f in findings}:
        mine = [f for f in findings if f.theme_id == theme.pk]
        row = table.row(theme.name)
        assert row[table.columns.index("Total")] == len(mine)
        assert row[table.columns.index("Critical")] == sum(f.severity == "critical" for f in mine)
        assert row[table.columns.index("Possible ill-treatment")] == sum(
            f.possible_ill_treatment for f in mine
        )
    assert table.total[table.columns.index("Total")] == len(findings) == 5
    by_ministry = report.table("findings_by_authority").column("Total")
    assert by_ministry == dict(Counter(_ministry(f.visit.facility) for f in findings))


def test_it_computes_recommendation_rates_as_independent_loops_do(data):
    report = annual.build(YEAR, "en")
    recs = [r for r in Recommendation.objects.select_related("status") if r.issued_on.year == YEAR]
    counted = [r for r in recs if r.status.outcome != Status.Outcome.WITHDRAWN]
    implemented = [r for r in counted if r.status.outcome == Status.Outcome.IMPLEMENTED]
    partial = [r for r in counted if r.status.outcome == Status.Outcome.PARTIAL]
    table = report.table("recommendations_by_theme")
    total = dict(zip(table.columns, table.total, strict=True))
    assert total["Issued"] == len(recs) == 5
    assert total["Counted"] == len(counted) == 4
    assert total["Implemented"] == len(implemented) == 2
    assert total["Implementation rate"] == f"{100 * len(implemented) / len(counted):.1f}%" == "50.0%"
    assert total["Partially implemented"] == f"{100 * len(partial) / len(counted):.1f}%" == "25.0%"
    by_authority = report.table("recommendations_by_authority").column("Issued")
    assert sum(by_authority.values()) == len(recs)


def test_it_counts_reprisals_training_and_budget_independently(data):
    report = annual.build(YEAR, "en")
    cases = [c for c in ReprisalCase.objects.all() if c.raised_on.year == YEAR]
    # One case: below the small-number threshold (5), so shown as "fewer than 5" (decision 0025).
    assert len(cases) == 1
    assert report.table("reprisals_by_kind").column("Cases") == {
        str(label): "fewer than 5" if sum(c.kind == value for c in cases) else 0
        for value, label in ReprisalCase.Kind.choices
    }
    assert report.table("reprisals_by_state").total == ["Total", "fewer than 5"]
    events = [e for e in Event.objects.all() if e.starts_on.year == YEAR]
    held = [e for e in events if e.status == "held"]
    enrolments = [en for e in held for en in e.enrolments.all() if en.status == "registered"]
    training = report.table("training_summary").column("Value")
    assert training["Held"] == len(held) == 1
    assert training["Cancelled"] == 1
    assert training["Participations in held events"] == len(enrolments) == 3
    assert training["Persons trained"] == len({en.person_id for en in enrolments})
    assert training["Certificates issued"] == 1
    assert report.table("training_events").total[-1] == 3
    spent = sum(e.amount for e in Expense.objects.all() if e.planned_visit.plan.year == YEAR)
    budget = report.table("budget_plans")
    assert budget.total[budget.columns.index("Spent")] == annual.money(spent) == "150\u202f000"
    assert budget.total[budget.columns.index("Share spent")] == "15.0%"
    assert report.table("budget_categories").column("Spent") == {
        "Travel": "120\u202f000",
        "Per diem": "30\u202f000",
    }


def test_it_says_which_query_produced_each_table(data):
    report = annual.build(YEAR, "en")
    assert len(report.tables) >= 12
    for table in report.tables:
        assert ".objects.filter(" in table.provenance and str(YEAR) in table.provenance, table.key


def test_it_runs_a_bounded_number_of_queries(data, coordinator):
    with CaptureQueriesContext(connection) as small:
        annual.build(YEAR, "en")
    sizo = data["sizo"]
    for day in range(1, 20):  # more rows of every kind: the count must not move
        v = _visit(sizo, "periodic", datetime.date(YEAR, 8, day))
        _finding(v, "safeguards", Finding.Severity.SERIOUS)
        recommendation(coordinator, facility=sizo, issued_on=datetime.date(YEAR, 8, day))
    EnrolmentFactory(event=Event.objects.filter(status="held").first(), person=PersonFactory())
    with CaptureQueriesContext(connection) as large:
        annual.build(YEAR, "en")
    assert len(small.captured_queries) == len(large.captured_queries) <= 20


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf_text(data: bytes, tmp_path) -> str:
    return pdf_text(data)


@pytest.mark.slow
def test_it_never_shows_interviews_identities_or_reprisal_details(data, tmp_path):
    report = annual.build(YEAR, "ru")
    texts = [annual_html(report), _docx_text(annual_docx(report)), _pdf_text(annual_pdf(report), tmp_path)]
    for text in texts:
        for secret in ("Бекзат", "Секретов", "880101300123", "Айгерим", "threatened", "P-1", "Камера-14"):
            assert secret not in text
        assert data["sizo"].name_ru not in text  # no place named anywhere (reprisals stay unplaceable)


@pytest.mark.slow
def test_the_command_writes_pdf_in_kazakh_and_docx(data, tmp_path):
    pdf, docx = tmp_path / "a.pdf", tmp_path / "a.docx"
    call_command("annual_report", "--year", str(YEAR), "--format", "pdf", "--lang", "kk", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf.read_bytes(), tmp_path)
    assert "Қазақстан Республикасының" in text  # the NPM's name in the kk letterhead
    assert "Қарағанды облысы" in text  # region names in Kazakh
    assert str(YEAR) in text
    call_command("annual_report", "--year", str(YEAR), "--format", "docx", "--lang", "en", "--out", str(docx))
    assert docx.read_bytes().startswith(b"PK")
    body = _docx_text(docx.read_bytes())
    assert "Visits by region" in body and "Query: Visit.objects.filter(" in body
    assert "Karaganda Region" in body


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "nineteen", "--format", "pdf", "--lang", "kk"],
        ["--year", "1999", "--format", "pdf", "--lang", "kk"],
        ["--year", "3000", "--format", "pdf", "--lang", "kk"],
        ["--year", "2025", "--format", "odt", "--lang", "kk"],
        ["--year", "2025", "--format", "pdf", "--lang", "de"],
    ],
)
def test_the_command_refuses_bad_arguments(db, tmp_path, args):
    with pytest.raises(CommandError):
        call_command("annual_report", *args, "--out", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_the_command_refuses_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match="No folder"):
        call_command("annual_report", "--year", "2025", "--out", str(tmp_path / "none" / "x.pdf"))


def test_the_dozor_console_maps_the_hyphenated_name(monkeypatch):
    from dozor import cli

    seen = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: seen.append(argv))
    cli.main(["annual-report", "--year", "2025"])
    assert seen == [["dozor", "annual_report", "--year", "2025"]]


URL = "/publishing/annual/"


def test_it_shows_the_page_to_coordinators_and_council(as_coordinator, as_council):
    for client in (as_coordinator, as_council):
        response = client.get(URL)
        assert response.status_code == 200
        assert b'data-testid="annual-form"' in response.content


def test_it_downloads_docx_from_the_page(as_council, data):
    response = as_council.get(URL, {"year": YEAR, "lang": "en", "format": "docx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="annual-report-{YEAR}-en.docx"'
    assert "Visits by type" in _docx_text(response.content)


def test_it_refuses_a_bad_year_on_the_page(as_coordinator):
    response = as_coordinator.get(URL, {"year": "1900", "lang": "en", "format": "pdf"})
    assert response.status_code == 400


def test_outsiders_never_reach_the_page(as_monitor, as_liaison, as_trainer, anonymous):
    for client in (as_monitor, as_liaison, as_trainer):
        assert client.get(URL).status_code == 404
        assert client.get(URL, {"year": YEAR, "lang": "en", "format": "docx"}).status_code == 404
    response = anonymous.get(URL, {"year": YEAR, "lang": "en", "format": "docx"})
    assert response.status_code == 302 and "/login" in response["Location"]


# --- the PDF as a background job (publishing/annual/jobs.py, tasks.py) ---------------------------


def _post_pdf(client, lang: str = "en"):
    return client.post(URL, {"year": YEAR, "lang": lang, "format": "pdf"})


def test_a_posted_pdf_becomes_a_job_that_its_owner_downloads(as_council, council, data):
    from dozor.core.jobs.models import Job

    response = _post_pdf(as_council)
    job = Job.objects.get(kind=Job.Kind.ANNUAL_REPORT)
    assert response.status_code == 302 and response["Location"] == f"{URL}jobs/{job.pk}/"
    from django.utils import timezone

    # the cut-off is fixed when the job is queued: a worker running later renders the same figures
    today = timezone.localdate().isoformat()
    assert job.owner == council and job.params == {"year": YEAR, "lang": "en", "cutoff": today}
    assert job.status == Job.Status.DONE  # the tests' tasks run at once
    page = as_council.get(response["Location"])
    assert page.status_code == 200 and b'data-testid="annual-job-download"' in page.content
    assert b"hx-get" not in page.content  # finished: it stops refreshing
    download = as_council.get(f"{URL}jobs/{job.pk}/file/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download["Content-Disposition"] == f'attachment; filename="annual-report-{YEAR}-en.pdf"'


def test_a_queued_job_page_refreshes_itself_until_the_worker_ran_it(as_council, data, settings):
    from dozor.core.jobs.models import Job

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    _post_pdf(as_council)
    job = Job.objects.get(kind=Job.Kind.ANNUAL_REPORT)
    assert job.status == Job.Status.QUEUED and not job.output
    page = as_council.get(f"{URL}jobs/{job.pk}/")
    assert b'data-status="queued"' in page.content and b'hx-trigger="every 2s"' in page.content
    fragment = as_council.get(f"{URL}jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert fragment.content.lstrip().startswith(b'<section class="card" id="annual-job"')
    assert as_council.get(f"{URL}jobs/{job.pk}/file/").status_code == 404  # nothing to download yet


def test_a_failed_render_says_so_on_the_job_page(as_council, data, monkeypatch):
    from dozor.core.jobs.models import Job
    from dozor.publishing.annual import jobs

    def broken(**kwargs):
        raise RuntimeError("WeasyPrint ran out of memory")

    monkeypatch.setattr(jobs, "annual_render", broken)
    response = _post_pdf(as_council)
    job = Job.objects.get(kind=Job.Kind.ANNUAL_REPORT)
    assert job.status == Job.Status.FAILED and job.errors and "memory" not in job.errors[0]
    page = as_council.get(response["Location"])
    assert b'data-status="failed"' in page.content and b"could not be prepared" in page.content
    assert as_council.get(f"{URL}jobs/{job.pk}/file/").status_code == 404


def test_a_job_is_its_owners_only(as_council, as_coordinator, as_monitor, as_liaison, anonymous, data):
    from dozor.core.jobs.models import Job

    _post_pdf(as_council)
    job = Job.objects.get(kind=Job.Kind.ANNUAL_REPORT)
    for client in (as_coordinator, as_monitor, as_liaison):
        assert client.get(f"{URL}jobs/{job.pk}/").status_code == 404
        assert client.get(f"{URL}jobs/{job.pk}/file/").status_code == 404
    response = anonymous.get(f"{URL}jobs/{job.pk}/file/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert as_monitor.post(URL, {"year": YEAR, "lang": "en", "format": "pdf"}).status_code == 404
    assert Job.objects.count() == 1  # an outsider queues nothing


def test_it_counts_deaths_and_serious_incidents_by_type_of_place(data, coordinator):
    from dozor.planning.models import Incident
    from dozor.planning.register.services import incident_action_add

    sizo, hospital = data["sizo"], data["hospital"]
    for day in range(1, 7):  # six deaths in SIZOs: shown exactly
        Incident.objects.create(
            facility=sizo, kind="death", serious=True, occurred_on=datetime.date(YEAR, 3, day), summary="d"
        )
    # one in a psychiatric hospital: fewer than 5, and the SIZO figure is hidden too (subtraction)
    Incident.objects.create(
        facility=hospital, kind="death", serious=True, occurred_on=datetime.date(YEAR, 4, 1), summary="d"
    )
    Incident.objects.create(  # another year, and an incident not in the register: not counted
        facility=sizo, kind="death", serious=True, occurred_on=datetime.date(YEAR - 1, 4, 1), summary="d"
    )
    Incident.objects.create(facility=sizo, kind="injury", occurred_on=datetime.date(YEAR, 4, 1), summary="i")
    first = Incident.objects.filter(kind="death", occurred_on__year=YEAR).order_by("occurred_on").first()
    incident_action_add(
        actor=coordinator, incident=first, kind="urgent_visit", taken_on=datetime.date(YEAR, 3, 2)
    )
    report = annual.build(YEAR, "en")
    deaths = report.table("deaths_by_type")
    assert sorted(deaths.column("Deaths").values()) == ["fewer than 5", "not shown"]
    assert deaths.total == ["Total", 7]
    assert report.table("serious_incidents_by_type").rows == []
    section = next(s for s in report.sections if s.key == "deaths")
    assert "7 deaths and 0 serious incidents" in section.texts[0]
    assert report.table("deaths_by_type").provenance.startswith("Incident.objects.filter(")


def test_a_report_at_a_cut_off_gives_the_same_figures_after_later_changes(data, coordinator):
    """Issue 18: a year's report is reproducible - what was assessed, dated back or recorded after
    the cut-off does not move its figures; without a cut-off (today) it does."""
    from django.utils import timezone

    from dozor.planning.models import Incident
    from dozor.recommendations.services import status_change

    today = timezone.localdate()
    cutoff = today - datetime.timedelta(days=1)
    keys = ("recommendations_by_theme", "recommendations_by_authority", "deaths_by_type", "visits_by_region")

    def figures(day: datetime.date | None) -> dict[str, object]:
        report = annual.build(YEAR, "en", cutoff=day)
        return {
            k: (report.table(k).rows, report.table(k).total)
            for k in keys
            if any(t.key == k for t in report.tables)
        }

    before = figures(cutoff)
    open_one = next(
        r
        for r in Recommendation.objects.select_related("status")
        if r.status.outcome != Status.Outcome.IMPLEMENTED
    )
    implemented = Status.objects.filter(outcome=Status.Outcome.IMPLEMENTED).first()
    # assessed today, and assessed again with a date before the cut-off but recorded after it
    status_change(
        actor=coordinator,
        recommendation=open_one,
        status=implemented,
        changed_on=today,
        verification="documents",
    )
    status_change(
        actor=coordinator,
        recommendation=open_one,
        status=implemented,
        changed_on=max(open_one.issued_on, cutoff - datetime.timedelta(days=3)),
        verification="documents",
    )
    recommendation(coordinator, facility=data["sizo"], issued_on=datetime.date(YEAR, 9, 1))  # recorded late
    Incident.objects.create(
        facility=data["sizo"],
        kind="death",
        serious=True,
        occurred_on=datetime.date(YEAR, 9, 1),
        summary="late",
    )
    assert figures(cutoff) == before
    now = annual.build(YEAR, "en")
    assert now.cutoff == today
    assert now.table("recommendations_by_theme").total != before["recommendations_by_theme"][1]


def test_a_cut_off_before_the_year_or_in_the_future_is_refused(data):
    with pytest.raises(ValueError):
        annual.build(YEAR, "en", cutoff=datetime.date(YEAR - 1, 12, 31))
    from django.utils import timezone

    with pytest.raises(ValueError):
        annual.build(YEAR, "en", cutoff=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(CommandError, match="cut-off"):
        call_command("annual_report", year=str(YEAR), cutoff="2024-01-01", out="/tmp/x.pdf")
