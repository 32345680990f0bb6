"""A small world to search: one record of every kind, with words that only that record has.

Visible to whom (docs/permissions.md): the place, findings and report of a past visit are seen by
coordinators and council members; the finding of an unannounced visit that has not begun yet only
by coordinators (and its team); the recommendation, the response and the letter on a KUIS place
also by the KUIS liaison, never by the Ministry of Health's; training materials by trainers and staff.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from dozor.accounts.models import User
from dozor.core.models import Authority, Region, VisitType
from dozor.facilities.models import Facility
from dozor.recommendations.models import Letter, Recommendation, Response
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.search.services import search_rebuild
from dozor.standards.models import Theme
from dozor.training.models import Material
from dozor.training.tests.factories import SessionFactory
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Finding, Report, ReportSection, Visit
from dozor.visits.services import visit_create


@dataclass
class World:
    place: Facility
    visit: Visit
    finding: Finding
    sensitive: Finding
    secret_visit: Visit
    secret_finding: Finding
    report: Report
    recommendation: Recommendation
    response: Response
    letter: Letter
    material: Material


@pytest.fixture
def world(coordinator: User, django_capture_on_commit_callbacks) -> World:  # type: ignore[no-untyped-def]
    # The index refreshes after each commit; the test's transaction never commits, so the refresh
    # queued while the world is made is run here, as a commit would.
    with django_capture_on_commit_callbacks(execute=True):
        made = _world(coordinator)
    search_rebuild()  # the report's section was written with update(), which sends no signal
    return made


def _world(coordinator: User) -> World:
    place = kuis_place(
        name_ru="Тюрьма особого режима",
        name_kk="Ерекше режимдегі түрме",
        name_en="Special regime prison",
        settlement="Усть-Каменогорск",
        region=Region.objects.get(code="EKR"),
    )
    place.search_text = place.build_search_text()
    place.save(update_fields=["search_text"])
    periodic = VisitType.objects.get(code="periodic")
    visit = visit_create(
        actor=coordinator, facility=place, visit_type=periodic, started_on=datetime.date(2024, 5, 6)
    )
    theme = Theme.objects.get(code="safeguards")
    finding = finding_create(
        actor=coordinator,
        visit=visit,
        theme=theme,
        severity="serious",
        title="Сырость в камерах изолятора",
        description="Стены мокрые.",
        sources=["observation", "staff"],
        location="Корпус Б",
    )
    sensitive = finding_create(
        actor=coordinator,
        visit=visit,
        theme=theme,
        severity="serious",
        title="Медицинская помощь",
        description="Диагноз цианокобальтоз у задержанного.",
        sources=["medical", "detainees"],
        sensitive=True,
    )
    secret_visit = visit_create(
        actor=coordinator,
        facility=place,
        visit_type=periodic,
        started_on=timezone.localdate() + datetime.timedelta(days=10),
        announced=False,
    )
    secret_finding = finding_create(
        actor=coordinator,
        visit=secret_visit,
        theme=theme,
        severity="moderate",
        title="Подготовка внезапного посещения: маршрутолист",
        description="План.",
        sources=["documents"],
    )
    report = report_for(coordinator, place, status=Report.Status.DRAFT)
    ReportSection.objects.filter(report=report, key="summary").update(
        body="Мониторинговая группа отметила переполненность спальных помещений."
    )
    rec = recommendation(
        coordinator,
        text="Provide daily outdoor exercise.",
        facility=place,
        text_ru="Обеспечить ежедневные прогулки осуждённых.",
        text_kk="Сотталғандарға күнделікті серуен беру.",
        authority=Authority.objects.get(code="KUIS"),
    )
    response = Response.objects.create(
        recommendation=rec,
        authority=Authority.objects.get(code="KUIS"),
        text="Прогулочные дворики отремонтированы.",
    )
    letter = Letter.objects.create(
        direction=Letter.Direction.OUTGOING,
        number="01-15/777",
        registered_on=datetime.date(2025, 2, 3),
        authority=Authority.objects.get(code="KUIS"),
        facility=place,
        subject="О ходе исполнения рекомендаций по дезинсекции",
    )
    material = Material.objects.create(
        session=SessionFactory(),
        title="Handbook on monitoring pre-trial detention",
        file="training/materials/2025/handbook.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    return World(
        place,
        visit,
        finding,
        sensitive,
        secret_visit,
        secret_finding,
        report,
        rec,
        response,
        letter,
        material,
    )
