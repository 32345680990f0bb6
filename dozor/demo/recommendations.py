"""Demo recommendations: synthetic recommendations to demo places with a status history, so that the
lists, the authority portal and the dashboards have something to show. Everything is labelled as
demo data ("[ДЕМО]"); no real place or person.

Idempotent: nothing is added when demo places already have recommendations.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.facilities.models import Facility
from dozor.recommendations.models import Letter, Recommendation, ReprisalCase, Status, StatusChange
from dozor.recommendations.services import RecommendationData, recommendation_create, status_change
from dozor.standards.models import Theme

SEED = 7

TEXTS = [
    (
        "safeguards",
        "[ДЕМО] Обеспечить медицинский осмотр каждого поступившего в течение 24 часов с записью в журнале.",
        "[DEMO] Ensure every newly admitted person is examined by a doctor within 24 hours and recorded.",
    ),
    (
        "material_conditions",
        "[ДЕМО] Привести жилую площадь камер в соответствие с нормой не менее 4 м² на человека.",
        "[DEMO] Bring cell space up to at least 4 m² per person.",
    ),
    (
        "regime_contact",
        "[ДЕМО] Обеспечить ежедневную прогулку продолжительностью не менее одного часа.",
        "[DEMO] Ensure at least one hour of outdoor exercise every day.",
    ),
    (
        "health_care",
        "[ДЕМО] Обеспечить конфиденциальность медицинских осмотров в отсутствие персонала охраны.",
        "[DEMO] Ensure medical examinations take place out of the hearing of guards.",
    ),
    (
        "treatment",
        "[ДЕМО] Установить видеонаблюдение в местах проведения обысков и хранить записи 90 дней.",
        "[DEMO] Install video recording where searches take place and keep recordings for 90 days.",
    ),
]

OUTCOMES = ["no_response", "in_progress", "partially_implemented", "implemented", "not_implemented"]


def demo_recommendations_delete() -> int:
    """Recommendations, letters and reprisal cases of demo places (they protect places and reports)."""
    from dozor.demo.reprisals import demo_reprisals_delete

    demo = Facility.objects.filter(code__startswith="DEMO-")
    deleted = Letter.objects.filter(facility__in=demo).delete()[0]
    deleted += demo_reprisals_delete()  # cases follow persons: first those of demo persons
    deleted += ReprisalCase.objects.filter(facility__in=demo).delete()[0]
    deleted += Recommendation.objects.filter(facility__in=demo).delete()[0]
    return deleted


def demo_recommendations_load() -> int:
    from dozor.demo.reprisals import demo_reprisals_load

    demo_reprisals_load()  # its own idempotence check (a transferred person, decision 0024)
    demo = list(
        Facility.objects.filter(code__startswith="DEMO-", status=Facility.Status.ACTIVE)
        .select_related("authority")
        .order_by("code")[:15]
    )
    if not demo or Recommendation.objects.filter(facility__in=demo).exists():
        return 0
    coordinator = User.objects.filter(username="coordinator", role=Role.COORDINATOR).first()
    if coordinator is None:
        return 0
    themes = {t.code: t for t in Theme.objects.all()}
    statuses = {s.code: s for s in Status.objects.all()}
    rng = random.Random(SEED)
    today = timezone.localdate()
    made = 0
    for index, facility in enumerate(demo):
        for number in range(2 + index % 3):
            theme, text_ru, text_en = TEXTS[(index + number) % len(TEXTS)]
            if theme not in themes:
                continue
            issued = today - datetime.timedelta(days=rng.randint(60, 700))
            recommendation = recommendation_create(
                actor=coordinator,
                data=RecommendationData(
                    theme=themes[theme],
                    addressee=Recommendation.Addressee.FACILITY,
                    issued_on=issued,
                    text_ru=text_ru,
                    text_en=text_en,
                    source=Recommendation.Source.OTHER,
                    source_reference="[ДЕМО] Синтетический отчёт о посещении",
                    facility=facility,
                    priority=rng.choice(Recommendation.Priority.values),
                    term=rng.choice(Recommendation.Term.values),
                    systemic=number == 0 and index % 4 == 0,
                    deadline=issued + datetime.timedelta(days=rng.choice((90, 180, 365))),
                ),
            )
            made += 1
            code = OUTCOMES[(index * 3 + number) % len(OUTCOMES)]
            if code != "no_response" and code in statuses:
                status_change(
                    actor=coordinator,
                    recommendation=recommendation,
                    status=statuses[code],
                    changed_on=min(today, issued + datetime.timedelta(days=rng.randint(20, 120))),
                    verification=StatusChange.Verification.AUTHORITY_REPORT,
                    evidence="[ДЕМО] Ответ ведомства (синтетический)",
                )
    return made
