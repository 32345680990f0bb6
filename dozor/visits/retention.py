"""``dozor purge``: remove what is past its retention period (``dozor.core.retention`` reads the
periods from the pack). It lives with the visits because most of what it removes is theirs; it
also removes eligibility answers (people, a lower layer). ``retention_purge``
finds what is past its period on ``today``, removes it in one transaction and records one audit
event per run with the counts and the ids of what was removed - never any content. With
``dry_run`` it only reports what it would remove and writes nothing (not even the audit event).

What each kind removes (docs/decisions/0022-encryption-at-rest-and-retention.md):

- ``interview_notes``: an interview's notes, excerpt and identity are emptied (the pseudonym,
  category, date and consent records stay); held while the interview is marked at risk.
- ``evidence_files``: the evidence row is deleted and its (sealed) file removed once the deletion
  is committed; held while it supports a finding of possible ill-treatment.
- ``eligibility_declarations``: a person's eligibility answers are deleted once they hold no
  active or suspended participation and the period has passed since their last term ended (or
  their last declaration, whichever is later).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent
from dozor.core.retention import AUDIT_OBJECT_TYPE, KINDS, KindResult, PurgeReport, Rule, retention_rules
from dozor.people.models import EligibilityDeclaration, Participation
from dozor.visits.models import Evidence, Interview, Report


def _interviews(rule: Rule, today: datetime.date, result: KindResult) -> Callable[[], None]:
    closed = Q(
        visit__report__status__in=[Report.Status.SENT, Report.Status.PUBLISHED],
        visit__report__sent_on__lte=rule.cutoff(today),
    )
    with_text = ~Q(notes="") | ~Q(excerpt="") | ~Q(identity="")  # isnull/empty work on encrypted text
    due = Interview.objects.filter(closed).filter(with_text).order_by("pk")
    if "at_risk" in rule.hold:
        result.held = due.filter(at_risk=True).count()
        due = due.filter(at_risk=False)
    result.ids = list(due.values_list("pk", flat=True))

    def apply() -> None:
        # the hold is checked again as the rows are written (marked at risk since they were read)
        still = Interview.objects.filter(pk__in=result.ids)
        if "at_risk" in rule.hold:
            still = still.filter(at_risk=False)
        still.update(notes="", excerpt="", identity="")

    return apply


def _evidence(rule: Rule, today: datetime.date, result: KindResult) -> Callable[[], None]:
    due = Evidence.objects.filter(
        visit__report__status__in=[Report.Status.SENT, Report.Status.PUBLISHED],
        visit__report__sent_on__lte=rule.cutoff(today),
    ).order_by("pk")
    if "possible_ill_treatment" in rule.hold:
        held = due.filter(findings__possible_ill_treatment=True).distinct()
        result.held = held.count()
        due = due.exclude(pk__in=held.values("pk"))
    rows = list(due.values_list("pk", "file"))
    result.ids = [pk for pk, _name in rows]

    def apply() -> None:
        storage = Evidence._meta.get_field("file").storage
        Evidence.objects.filter(pk__in=result.ids).delete()
        for _pk, name in rows:
            if name:
                transaction.on_commit(partial(storage.delete, name))

    return apply


def _declarations(rule: Rule, today: datetime.date, result: KindResult) -> Callable[[], None]:
    cutoff = rule.cutoff(today)
    serving = Participation.objects.filter(
        status__in=[Participation.Status.ACTIVE, Participation.Status.SUSPENDED]
    ).values("person_id")
    candidates = (
        EligibilityDeclaration.objects.exclude(person_id__in=serving)
        .values("person_id")
        .annotate(last_declared=Max("declared_on"))
    )
    last_term = dict(
        Participation.objects.filter(person_id__in=[row["person_id"] for row in candidates])
        .values("person_id")
        .annotate(last_end=Max("term_end"))
        .values_list("person_id", "last_end")
    )
    people = []
    for row in candidates:
        ended = last_term.get(row["person_id"])
        last = max(d for d in (row["last_declared"], ended) if d is not None)
        if last <= cutoff:
            people.append(row["person_id"])
    due = EligibilityDeclaration.objects.filter(person_id__in=people).order_by("pk")
    result.ids = list(due.values_list("pk", flat=True))

    def apply() -> None:
        EligibilityDeclaration.objects.filter(pk__in=result.ids).delete()

    return apply


FINDERS = {
    "interview_notes": _interviews,
    "evidence_files": _evidence,
    "eligibility_declarations": _declarations,
}


def retention_purge(*, today: datetime.date | None = None, dry_run: bool = False) -> PurgeReport:
    """Remove what is past its retention period (see the module docstring); one transaction, one
    audit event listing counts and ids. ``dry_run`` writes nothing."""
    today = today or timezone.localdate()
    rules = retention_rules()
    report = PurgeReport(today=today, dry_run=dry_run)
    with transaction.atomic():
        actions = []
        for kind in KINDS:
            if kind not in rules:
                continue
            result = KindResult()
            actions.append(FINDERS[kind](rules[kind], today, result))
            report.kinds[kind] = result
        if dry_run:
            return report
        for apply in actions:
            apply()
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type=AUDIT_OBJECT_TYPE,
            object_id=today.isoformat(),
            object_repr="dozor purge",
            changes={
                "today": today.isoformat(),
                "kinds": {
                    kind: {
                        "removed": len(result.ids),
                        "ids": result.ids,
                        "held": result.held,
                        "years": rules[kind].years,
                        "basis": rules[kind].basis,
                    }
                    for kind, result in report.kinds.items()
                },
            },
        )
    return report
