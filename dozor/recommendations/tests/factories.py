"""Test data for recommendations: a visit report in a given status and recommendations on it."""

from __future__ import annotations

import datetime
from typing import Any

from dozor.accounts.models import User
from dozor.core.models import Authority, VisitType
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.recommendations.models import Recommendation, Status
from dozor.recommendations.services import (
    RecommendationData,
    recommendation_create,
    recommendation_facts_refresh,
)
from dozor.standards.models import Theme
from dozor.visits.models import Report
from dozor.visits.reports.content import build
from dozor.visits.reports.services import report_start
from dozor.visits.services import visit_create

ISSUED = datetime.date(2025, 4, 1)


def kuis_place(**kwargs: Any) -> Facility:
    """A pre-trial centre of the Penal Correction System Committee (liaison lena's authority)."""
    kind = facility_type("SIZO")
    return FacilityFactory(type=kind, authority=Authority.objects.get(code="KUIS"), **kwargs)


def health_place(**kwargs: Any) -> Facility:
    """A psychiatric hospital of the Ministry of Health (liaison omar's authority)."""
    return FacilityFactory(
        type=facility_type("PSYCH_HOSPITAL"), authority=Authority.objects.get(code="MZ"), **kwargs
    )


def report_for(actor: User, facility: Facility, status: str = Report.Status.SENT) -> Report:
    """A visit to ``facility`` with a report put straight into ``status`` (workflow tested elsewhere)."""
    visit = visit_create(
        actor=actor,
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 4),
    )
    report = report_start(actor=actor, visit=visit)
    Report.objects.filter(pk=report.pk).update(status=status)
    if status in (Report.Status.SENT, Report.Status.PUBLISHED):
        # as if sent through the release gate (docs/decisions/0020-release-gate.md): the approved
        # version for the authority is what the liaison reads
        sections = build(report, lang="ru", internal=False, audience="authority").as_text(quotes=True)
        Report.objects.filter(pk=report.pk).update(
            sent_on=datetime.date(2025, 4, 1),
            authority_release={
                "texts": {
                    "ru": {"release": 0, "sections": sections, "approved_at": None, "approved_by": None}
                },
                "sent": {"lang": "ru", "release": 0, "sent_on": "2025-04-01"},
            },
        )
    report.refresh_from_db()
    return report


def recommendation(
    actor: User,
    report: Report | None = None,
    *,
    text: str = "Ensure every newly admitted person is examined by a doctor within 24 hours.",
    status: str | None = None,
    theme: str = "safeguards",
    **kwargs: Any,
) -> Recommendation:
    values: dict[str, Any] = {
        "theme": Theme.objects.get(code=theme),
        "addressee": Recommendation.Addressee.FACILITY,
        "issued_on": ISSUED,
        "text_en": text,
        "report": report,
        "source": Recommendation.Source.VISIT_REPORT if report else Recommendation.Source.OTHER,
    }
    values.update(kwargs)
    provisions = values.pop("provisions", ())
    repeat_of = values.pop("repeat_of", None)
    made = recommendation_create(
        actor=actor, data=RecommendationData(**values), provisions=provisions, repeat_of=repeat_of
    )
    if status is not None:
        Recommendation.objects.filter(pk=made.pk).update(status=Status.objects.get(code=status))
        recommendation_facts_refresh(facility_ids=[made.facility_id] if made.facility_id else [])
        made.refresh_from_db()
    return made


def protected_person(facility: Facility | None = None, **kwargs: Any) -> Any:
    """A protected person of a reprisal case (decision 0024), held at ``facility`` if one is given."""
    from dozor.recommendations.models import ProtectedPerson
    from dozor.recommendations.reprisals.services import person_code_new

    held = ProtectedPerson.Whereabouts.HELD if facility else ProtectedPerson.Whereabouts.UNKNOWN
    values: dict[str, Any] = {
        "code": person_code_new(),
        "category": ProtectedPerson.Category.DETAINEE,
        "facility": facility,
        "whereabouts": held,
        **kwargs,
    }
    return ProtectedPerson.objects.create(**values)
