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

Every function is keyword-only, checks the actor's rights, validates everything before writing,
runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority
from dozor.facilities.models import Facility
from dozor.recommendations.access import can_manage
from dozor.recommendations.models import Recommendation, Response, Status, StatusChange
from dozor.standards.models import Provision, Theme
from dozor.visits.models import Report, Visit

Errors = dict[str, list[str]]


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def initial_status() -> Status:
    status = Status.objects.filter(initial=True).first()
    if status is None:
        raise ValidationError(_("The country pack defines no initial recommendation status: load the pack."))
    return status


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


def _validate(
    *,
    recommendation: Recommendation | None,
    values: dict[str, Any],
    errors: Errors | None = None,
) -> dict[str, Any]:
    """Check the fields of a new or edited recommendation; return them cleaned (texts stripped, the
    place taken from the report, the authority from the place) or raise every problem at once."""
    texts = {name: values[name].strip() for name in ("text_kk", "text_ru", "text_en")}
    source, report = values["source"], values["report"]
    addressee, facility, authority = values["addressee"], values["facility"], values["authority"]
    issued_on, deadline = values["issued_on"], values["deadline"]
    errors = {} if errors is None else errors
    if not any(texts.values()):
        _add(errors, "text_ru", _("Write the recommendation in at least one language."))
    if source not in Recommendation.Source.values:
        _add(errors, "source", _("Unknown source."))
    if source == Recommendation.Source.VISIT_REPORT and report is None:
        _add(errors, "report", _("Name the visit report the recommendation comes from."))
    if report is not None and facility is None:
        facility = report.visit.facility
    if addressee not in Recommendation.Addressee.values:
        _add(errors, "addressee", _("Unknown addressee."))
    elif addressee == Recommendation.Addressee.FACILITY:
        if facility is None:
            _add(errors, "facility", _("A recommendation to the management of a place needs the place."))
        elif authority is None:
            authority = facility.authority
    elif addressee == Recommendation.Addressee.AUTHORITY and authority is None:
        _add(errors, "authority", _("Name the ministry or committee the recommendation is addressed to."))
    if values["priority"] not in Recommendation.Priority.values:
        _add(errors, "priority", _("Unknown priority."))
    if values["term"] not in Recommendation.Term.values:
        _add(errors, "term", _("Unknown term."))
    if issued_on > timezone.localdate():
        _add(errors, "issued_on", _("The date of issue cannot be in the future."))
    if deadline is not None and deadline < issued_on:
        _add(errors, "deadline", _("The deadline cannot be before the date of issue."))
    _check_repeat(errors, recommendation, values.get("repeat_of"), issued_on)
    if errors:
        raise ValidationError(errors)
    return {
        **values,
        **texts,
        "source_reference": values["source_reference"].strip()[:300],
        "facility": facility,
        "authority": authority,
    }


@transaction.atomic
def recommendation_create(
    *,
    actor: User,
    theme: Theme,
    addressee: str,
    issued_on: datetime.date,
    text_kk: str = "",
    text_ru: str = "",
    text_en: str = "",
    source: str = Recommendation.Source.VISIT_REPORT,
    report: Report | None = None,
    source_reference: str = "",
    authority: Authority | None = None,
    facility: Facility | None = None,
    provisions: Iterable[Provision] = (),
    priority: str = Recommendation.Priority.MEDIUM,
    term: str = Recommendation.Term.SHORT,
    systemic: bool = False,
    deadline: datetime.date | None = None,
    repeat_of: Recommendation | None = None,
) -> Recommendation:
    if not can_manage(actor):
        raise PermissionDenied
    values = _validate(
        recommendation=None,
        values={
            "theme": theme,
            "addressee": addressee,
            "issued_on": issued_on,
            "text_kk": text_kk,
            "text_ru": text_ru,
            "text_en": text_en,
            "source": source,
            "report": report,
            "source_reference": source_reference,
            "authority": authority,
            "facility": facility,
            "priority": priority,
            "term": term,
            "systemic": systemic,
            "deadline": deadline,
            "repeat_of": repeat_of,
        },
    )
    recommendation = Recommendation(
        **values,
        status=initial_status(),
        status_changed_on=issued_on,
        created_by=actor,
    )
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
    return recommendation


# The fields a coordinator edits; status, status date and the repeat link have their own services.
EDITABLE = (
    "source",
    "report",
    "source_reference",
    "addressee",
    "authority",
    "facility",
    "theme",
    "text_kk",
    "text_ru",
    "text_en",
    "priority",
    "term",
    "systemic",
    "issued_on",
    "deadline",
)


@transaction.atomic
def recommendation_update(
    *,
    actor: User,
    recommendation: Recommendation,
    theme: Theme,
    addressee: str,
    issued_on: datetime.date,
    text_kk: str = "",
    text_ru: str = "",
    text_en: str = "",
    source: str = Recommendation.Source.VISIT_REPORT,
    report: Report | None = None,
    source_reference: str = "",
    authority: Authority | None = None,
    facility: Facility | None = None,
    provisions: Iterable[Provision] = (),
    priority: str = Recommendation.Priority.MEDIUM,
    term: str = Recommendation.Term.SHORT,
    systemic: bool = False,
    deadline: datetime.date | None = None,
) -> Recommendation:
    """Correct a recommendation (same rules as issuing one); the audit log keeps what changed.
    The date of issue cannot move after its first status change or before what it repeats."""
    if not can_manage(actor):
        raise PermissionDenied
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    errors: Errors = {}
    first_change = locked.history.order_by("changed_on").values_list("changed_on", flat=True).first()
    if first_change is not None and issued_on > first_change:
        _add(
            errors,
            "issued_on",
            _("The date of issue cannot be after the first status change (%(date)s).")
            % {"date": first_change.isoformat()},
        )
    values = _validate(
        errors=errors,
        recommendation=locked,
        values={
            "theme": theme,
            "addressee": addressee,
            "issued_on": issued_on,
            "text_kk": text_kk,
            "text_ru": text_ru,
            "text_en": text_en,
            "source": source,
            "report": report,
            "source_reference": source_reference,
            "authority": authority,
            "facility": facility,
            "priority": priority,
            "term": term,
            "systemic": systemic,
            "deadline": deadline,
            "repeat_of": locked.repeat_of,
        },
    )
    before = {
        **snapshot(locked, list(EDITABLE)),
        "provisions": sorted(locked.provisions.values_list("pk", flat=True)),
    }
    for name in EDITABLE:
        setattr(locked, name, values[name])
    if locked.history.count() == 0:  # the initial status dates from the issue
        locked.status_changed_on = issued_on
    locked.search_text = locked.build_search_text()
    locked.save(update_fields=[*EDITABLE, "status_changed_on", "search_text", "updated_at"])
    locked.provisions.set(list(provisions))
    after = {**snapshot(locked, list(EDITABLE)), "provisions": sorted(p.pk for p in provisions)}
    changes = diff(before, after)
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=changes)
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
    before: dict[str, Any] = {"status": locked.status_id, "status_changed_on": str(locked.status_changed_on)}
    latest = locked.history.order_by("-changed_on", "-id").first()
    if latest is not None and latest.pk == change.pk:  # an older assessment entered late changes nothing
        locked.status, locked.status_changed_on = status, changed_on
        locked.save(update_fields=["status", "status_changed_on", "updated_at"])
    if response is not None and response.assessed_at is None:
        response.assessed_at = timezone.now()
        response.save(update_fields=["assessed_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={
            "status": {
                "before": before,
                "after": {"status": locked.status_id, "status_changed_on": str(locked.status_changed_on)},
            },
            "verification": verification,
            "visit": visit.pk if visit else None,
            "response": response.pk if response else None,
        },
    )
    recommendation.status, recommendation.status_changed_on = locked.status, locked.status_changed_on
    return change
