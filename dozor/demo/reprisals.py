"""Demo reprisal follow-up (decision 0024): a person who spoke to the NPM in one colony, the
letter the NPM sent about the threats, the person's transfer to another colony, and today's visit
to that colony whose page lists the person to check. Everything is labelled "[ДЕМО]"; the person is
fictional.

Idempotent: nothing is added when a demo place already holds a protected person.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.facilities.models import Facility
from dozor.recommendations.models import ProtectedPerson, ReprisalAction, ReprisalCase
from dozor.recommendations.reprisals.services import (
    person_move,
    reprisal_action_add,
    reprisal_action_outcome,
    reprisal_open,
)

IDENTITY = "[ДЕМО] Условное лицо: Ерлан Т., 1991 г. р. (вымышленный человек)"
SUMMARY = (
    "[ДЕМО] После беседы с участниками НПМ сообщил об угрозах перевода в другое учреждение. "
    "Проверить при следующем посещении, где бы он ни находился."
)


def _demo_persons() -> Q:
    demo = Facility.objects.filter(code__startswith="DEMO-")
    return Q(facility__in=demo) | Q(locations__facility__in=demo)


def demo_reprisals_delete() -> int:
    """Reprisal cases and protected persons of demo places (they protect the places)."""
    persons = list(ProtectedPerson.objects.filter(_demo_persons()).values_list("pk", flat=True))
    deleted = ReprisalCase.objects.filter(person__in=persons).delete()[0]
    return deleted + ProtectedPerson.objects.filter(pk__in=persons).delete()[0]


def demo_reprisals_load() -> int:
    """One transferred person with a case, two actions and a visit to the new colony today."""
    from dozor.core.models import VisitType
    from dozor.visits.services import visit_create

    colonies = list(
        Facility.objects.filter(code__startswith="DEMO-COLONY-", status=Facility.Status.ACTIVE).order_by(
            "code"
        )[:2]
    )
    coordinator = User.objects.filter(username="coordinator", role=Role.COORDINATOR).first()
    monitor = User.objects.filter(username="monitor", role=Role.MONITOR).first()
    visit_type = VisitType.objects.filter(code="periodic").first() or VisitType.objects.first()
    if len(colonies) < 2 or coordinator is None or monitor is None or visit_type is None:
        return 0
    if ProtectedPerson.objects.filter(_demo_persons()).exists():
        return 0
    first, second = colonies
    today = timezone.localdate()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    case = reprisal_open(
        actor=coordinator,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=ago(120),
        summary=SUMMARY,
        facility=first,
        category=ProtectedPerson.Category.DETAINEE,
        identity=IDENTITY,
    )
    letter = reprisal_action_add(
        actor=coordinator,
        case=case,
        kind=ReprisalAction.Kind.LETTER,
        taken_on=ago(110),
        note="[ДЕМО] Письмо начальнику учреждения о недопустимости преследования (ст. 21 ФП КПП).",
    )
    reprisal_action_outcome(
        actor=coordinator,
        action=letter,
        outcome="[ДЕМО] Администрация ответила, что угроз не было; перевод не планируется.",
        outcome_on=ago(95),
    )
    person_move(
        actor=coordinator,
        person=case.person,
        whereabouts=ProtectedPerson.Whereabouts.HELD,
        facility=second,
        since=ago(60),
        source="[ДЕМО] Сообщила сестра по телефону доверия; подтверждено ответом ведомства.",
    )
    reprisal_action_add(
        actor=coordinator,
        case=case,
        kind=ReprisalAction.Kind.PROSECUTOR,
        taken_on=ago(55),
        note="[ДЕМО] Обращение к прокурору по надзору за законностью перевода.",
    )
    # Today's visit to the new colony, the demo monitor on the team: its page lists the person.
    visit_create(actor=coordinator, facility=second, visit_type=visit_type, started_on=today, team=[monitor])
    return 1
