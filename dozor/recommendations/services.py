"""Writes to recommendations: issuing, correcting, linking repeats and assessing the status.

Rules (docs/decisions/0007-recommendations.md):

- Only coordinators issue recommendations and change their status (``access.can_manage``).
- A recommendation has text in at least one language, a theme, an addressee; an addressee
  "facility" needs the place (its operating authority becomes the authority answerable), an
  addressee "authority" needs the ministry or committee. Recommendations from a visit report take
  the report's place by default.
- A new recommendation gets the pack's initial status ("no response").
- A correction (``recommendation_update``) follows the same rules; the audit log keeps the diff.
  Status, status date and the repeat link are not edited there.
- A repeat (``repeat_of``) links to an earlier recommendation (issued the same day or before),
  never to itself or to one of its own repeats (no cycles). ``similarity`` suggests candidates.
- Every status change says how it was verified (the authority's report, documents, on site); a
  check on site names the follow-up visit (to the same place when the recommendation has one).
  A recommendation whose follow-up is closed (implemented, rejected, no longer relevant) can still
  be re-assessed by a coordinator - e.g. a relapse found on a later visit - but never answered.

- Each issue and each change of its text is screened for the authority
  (``screening.services``, docs/decisions/0030): a hit keeps the recommendation from the
  authority until a second person clears it or the text is edited.

Every function is keyword-only, checks the actor's rights, validates everything before writing,
runs in one transaction and writes the audit log - but ``reminder_log_record``, the system's own
note that a reminder digest went out (no actor; the row is its own record).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import data_apply, data_names, data_values
from dozor.core.models import Authority
from dozor.core.revisions import revision_check, revision_claim
from dozor.facilities.models import Facility
from dozor.recommendations.access import can_manage
from dozor.recommendations.models import Recommendation, ReminderLog, Response, Status, StatusChange
from dozor.recommendations.screening.services import screening_apply
from dozor.recommendations.selectors import initial_status, issued_from_reports, open_follow_up
from dozor.standards.models import Provision, Theme
from dozor.visits.models import Report, Visit

Errors = dict[str, list[str]]


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _check_repeat(
    errors: Errors,
    recommendation: Recommendation | None,
    repeat_of: Recommendation | None,
    issued_on: datetime.date,
) -> None:
    """A repeat links to an earlier recommendation, never to itself or to one of its own repeats."""
    if repeat_of is None:
        return
    if repeat_of.issued_on > issued_on:
        _add(errors, "repeat_of", _("A recommendation can only repeat an earlier one."))
    if recommendation is None or recommendation.pk is None:
        return
    seen: set[int] = set()
    current: Recommendation | None = repeat_of
    while current is not None and current.pk not in seen:
        if current.pk == recommendation.pk:
            _add(errors, "repeat_of", _("A recommendation cannot repeat itself or one of its own repeats."))
            return
        seen.add(current.pk)
        current = current.repeat_of


@dataclass(frozen=True, kw_only=True)
class RecommendationData:
    """The fields a coordinator gives when issuing (``recommendation_create``) or correcting
    (``recommendation_update``) a recommendation; its provisions and the repeat link are passed
    beside it, and status, status date and the repeat link have their own services."""

    theme: Theme
    addressee: str
    issued_on: datetime.date
    text_kk: str = ""
    text_ru: str = ""
    text_en: str = ""
    source: str = Recommendation.Source.VISIT_REPORT
    report: Report | None = None
    source_reference: str = ""
    authority: Authority | None = None
    facility: Facility | None = None
    priority: str = Recommendation.Priority.MEDIUM
    term: str = Recommendation.Term.SHORT
    systemic: bool = False
    deadline: datetime.date | None = None


def _completed(data: RecommendationData) -> RecommendationData:
    """Texts stripped, the place taken from the report, the authority from the place."""
    facility, authority = data.facility, data.authority
    if data.report is not None and facility is None:
        facility = data.report.visit.facility
    if data.addressee == Recommendation.Addressee.FACILITY and facility is not None and authority is None:
        authority = facility.authority
    return replace(
        data,
        text_kk=data.text_kk.strip(),
        text_ru=data.text_ru.strip(),
        text_en=data.text_en.strip(),
        source_reference=data.source_reference.strip()[:300],
        facility=facility,
        authority=authority,
    )


def _validate(recommendation: Recommendation, errors: Errors) -> None:
    """Raise every problem at once: ``errors`` found by the caller, the recommendation's own rules
    (``Recommendation.clean``) and its repeat link."""
    try:
        recommendation.clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    _check_repeat(errors, recommendation, recommendation.repeat_of, recommendation.issued_on)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def recommendation_create(
    *,
    actor: User,
    data: RecommendationData,
    provisions: Iterable[Provision] = (),
    repeat_of: Recommendation | None = None,
) -> Recommendation:
    if not can_manage(actor):
        raise PermissionDenied
    data = _completed(data)
    recommendation = Recommendation(**data_values(data), repeat_of=repeat_of, created_by=actor)
    _validate(recommendation, {})
    recommendation.status = initial_status()
    recommendation.status_changed_on = data.issued_on
    recommendation.search_text = recommendation.build_search_text()
    recommendation.save()
    recommendation.provisions.set(list(provisions))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=recommendation,
        changes={
            **snapshot(recommendation),
            "provisions": sorted(p.pk for p in recommendation.provisions.all()),
        },
    )
    # screened for the authority after the audit of its creation: the author is on record
    screening_apply(actor=actor, obj=recommendation)
    return recommendation


# The fields a coordinator edits; status, status date and the repeat link have their own services.
def recommendation_facts_refresh(*, facility_ids: Iterable[int] = (), report_ids: Iterable[int] = ()) -> None:
    """Store the facts that apps below read instead of calling up into this one: each place's open
    recommendations and their deadlines (planning's risk score) and each visit report's list of
    recommendations issued from it (its "Recommendations" section). Called whenever a
    recommendation is saved or deleted (signals.py) and after bulk writes."""
    from dozor.facilities.services import facility_facts_set

    facilities = [pk for pk in dict.fromkeys(facility_ids) if pk is not None]
    reports = [pk for pk in dict.fromkeys(report_ids) if pk is not None]
    with transaction.atomic():
        if facilities:
            facility_facts_set(follow_up=open_follow_up(facilities))
        for report_id, items in issued_from_reports(reports).items():
            Report.objects.filter(pk=report_id).update(issued_recommendations=items)


def recommendation_facts_refresh_all() -> None:
    """Refresh the stored facts of every place and report (after a pack changes which statuses
    close the follow-up, or after bulk writes)."""
    recommendation_facts_refresh(
        facility_ids=Facility.objects.values_list("pk", flat=True),
        report_ids=Report.objects.values_list("pk", flat=True),
    )


EDITABLE = tuple(data_names(RecommendationData))


@transaction.atomic
def recommendation_update(
    *,
    actor: User,
    recommendation: Recommendation,
    data: RecommendationData,
    provisions: Iterable[Provision] = (),
    base_revision: int | None = None,
) -> Recommendation:
    """Correct a recommendation (same rules as issuing one); the audit log keeps what changed.
    The date of issue cannot move after its first status change or before what it repeats.
    Returns it as saved (read again under a row lock: the audit compares the database row with
    ``data``). ``base_revision`` is the revision the editor loaded: a recommendation saved by
    somebody else since raises ``StaleRevision`` and changes nothing."""
    if not can_manage(actor):
        raise PermissionDenied
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    revision_check(locked, base_revision=base_revision)
    errors: Errors = {}
    first_change = locked.history.order_by("changed_on").values_list("changed_on", flat=True).first()
    if first_change is not None and data.issued_on > first_change:
        _add(
            errors,
            "issued_on",
            _("The date of issue cannot be after the first status change (%(date)s).")
            % {"date": first_change.isoformat()},
        )
    data = _completed(data)
    before = {
        **snapshot(locked, list(EDITABLE)),
        "provisions": sorted(locked.provisions.values_list("pk", flat=True)),
    }
    data_apply(locked, data)
    _validate(locked, errors)
    if locked.history.count() == 0:  # the initial status dates from the issue
        locked.status_changed_on = data.issued_on
    locked.search_text = locked.build_search_text()
    locked.save(update_fields=[*EDITABLE, "status_changed_on", "search_text", "updated_at"])
    provisions = list(provisions)
    locked.provisions.set(provisions)
    after = {**snapshot(locked, list(EDITABLE)), "provisions": sorted(p.pk for p in provisions)}
    changes = diff(before, after)
    if changes:
        revision_claim(locked, base_revision=base_revision)
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=changes)
    if changes:  # the text, or the report whose interviewees are looked for
        screening_apply(actor=actor, obj=locked)
    return locked


@transaction.atomic
def mark_repeat(
    *, actor: User, recommendation: Recommendation, repeat_of: Recommendation | None
) -> Recommendation:
    """Link a recommendation as a repeat of an earlier one (``None`` removes the link)."""
    if not can_manage(actor):
        raise PermissionDenied
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    errors: Errors = {}
    _check_repeat(errors, locked, repeat_of, locked.issued_on)
    if errors:
        raise ValidationError(errors)
    before = locked.repeat_of_id
    if before == (repeat_of.pk if repeat_of else None):
        return locked
    locked.repeat_of = repeat_of
    locked.save(update_fields=["repeat_of", "updated_at"])
    revision_claim(locked, base_revision=None)  # every saved change counts (decision 0016)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"repeat_of": {"before": before, "after": locked.repeat_of_id}},
    )
    recommendation.repeat_of = repeat_of
    return locked


@transaction.atomic
def status_change(
    *,
    actor: User,
    recommendation: Recommendation,
    status: Status,
    changed_on: datetime.date,
    verification: str,
    evidence: str = "",
    visit: Visit | None = None,
    response: Response | None = None,
) -> StatusChange:
    """Assess a recommendation: its new status, how that was verified and on what evidence."""
    if not can_manage(actor):
        raise PermissionDenied
    errors: Errors = {}
    if verification not in StatusChange.Verification.values:
        _add(errors, "verification", _("Say how the status was verified."))
    if verification == StatusChange.Verification.ON_SITE:
        if visit is None:
            _add(errors, "visit", _("A check on site names the follow-up visit."))
        elif recommendation.facility_id is not None and visit.facility_id != recommendation.facility_id:
            _add(errors, "visit", _("The follow-up visit must be to the recommendation's place."))
    if changed_on > timezone.localdate():
        _add(errors, "changed_on", _("The date cannot be in the future."))
    elif changed_on < recommendation.issued_on:
        _add(errors, "changed_on", _("The date cannot be before the recommendation was issued."))
    if response is not None and response.recommendation_id != recommendation.pk:
        _add(errors, "response", _("The response belongs to another recommendation."))
    if errors:
        raise ValidationError(errors)
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    change = StatusChange.objects.create(
        recommendation=locked,
        status=status,
        changed_on=changed_on,
        verification=verification,
        evidence=evidence.strip(),
        visit=visit,
        response=response,
        author=actor,
    )
    before: dict[str, Any] = {
        "status": locked.status_id,
        "status_changed_on": str(locked.status_changed_on) if locked.status_changed_on else None,
    }
    latest = locked.history.order_by("-changed_on", "-id").first()
    if latest is not None and latest.pk == change.pk:  # an older assessment entered late changes nothing
        locked.status, locked.status_changed_on = status, changed_on
        locked.save(update_fields=["status", "status_changed_on", "updated_at"])
        revision_claim(locked, base_revision=None)
    if response is not None and response.assessed_at is None:
        response.assessed_at = timezone.now()
        response.save(update_fields=["assessed_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={
            "status": {"before": before["status"], "after": locked.status_id},
            "status_changed_on": {
                "before": before["status_changed_on"],
                "after": str(locked.status_changed_on),
            },
            "verification": verification,
            "visit": visit.pk if visit else None,
            "response": response.pk if response else None,
        },
    )
    recommendation.status, recommendation.status_changed_on = locked.status, locked.status_changed_on
    return change


def reminder_log_record(*, user: User, day: datetime.date, items: int) -> ReminderLog:
    """Note that ``user`` was sent the day's reminder digest of ``items`` items. Raises
    ``IntegrityError`` when the day's row exists already (another run sent it). Called inside the
    transaction that sends the mail (``reminders.send_reminders``): a failed send rolls it back."""
    return ReminderLog.objects.create(user=user, day=day, items=items)
