"""Writes for capacity building. Each function checks access, validates before saving, writes
atomically and audits.

Decisions worth knowing:
- A full event puts new registrations on the waiting list; the waiting list itself has no limit.
- ``Enrolment.registered_at`` is when the person got a place: a waitlisted person promoted later gets
  the promotion time, so sessions held before it are not expected of them (see ``dozor.training.stats``).
- Evaluations are anonymous by structure: the audit log records that an event received an
  evaluation, never which one, and the token records only that an enrolment has evaluated.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user, can, require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import data_apply, data_values
from dozor.core.dates import add_years
from dozor.core.files import JPEG, OFFICE, PDF, PNG, WEBP, sniff
from dozor.core.models import Region
from dozor.core.search import search_fold
from dozor.people.models import Organisation, Person
from dozor.standards.models import Provision
from dozor.training.models import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    Attendance,
    Certificate,
    Competency,
    CompetencyGrant,
    Enrolment,
    Evaluation,
    EvaluationToken,
    Event,
    Material,
    Programme,
    Session,
)
from dozor.training.selectors import certificate_refusal


@dataclass(frozen=True, kw_only=True)
class ProgrammeData:
    """A programme's own fields for ``programme_create`` and ``programme_update`` (its
    co-organisers are passed beside it)."""

    title_kk: str = ""
    title_ru: str = ""
    title_en: str = ""
    description: str = ""
    budget: Decimal | None = None
    currency: str = "KZT"
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


@dataclass(frozen=True, kw_only=True)
class EventData:
    """An event's own fields for ``event_create`` and ``event_update`` (its grants and
    co-organisers are passed beside it; cancelling is ``event_cancel``)."""

    programme: Programme
    city: str
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int
    title_kk: str = ""
    title_ru: str = ""
    title_en: str = ""
    region: Region | None = None
    venue: str = ""
    language: str = "ru"
    status: str = Event.Status.PLANNED
    min_attendance_percent: int = 80
    min_test_percent: int = 0


@dataclass(frozen=True, kw_only=True)
class SessionData:
    """A session's own fields for ``session_add`` and ``session_update`` (its standards are passed
    beside it)."""

    starts_at: datetime.datetime
    order: int = 0
    topic_kk: str = ""
    topic_ru: str = ""
    topic_en: str = ""
    duration_minutes: int = 90
    trainer: Person | None = None


# Unambiguous alphabet for certificate codes (no 0/O, 1/I/L): 31**10 ~ 8e14 codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _require_self_or_manage(actor: User, enrolment: Enrolment | None) -> User:
    """Trainers and coordinators act for anyone; a participant may act for their own enrolment."""
    if can(actor, "training.manage"):
        return require(actor, "training.manage")
    staff = active_user(actor)
    if (
        staff is not None
        and enrolment is not None
        and can(staff, "training.view")
        and enrolment.person.user_id == staff.pk
    ):
        return staff
    raise PermissionDenied


# --- programmes --------------------------------------------------------------------------------


def _check_programme(programme: Programme) -> None:
    programme.clean()  # its own messages first (full_clean's field checks word some differently)
    programme.full_clean(exclude=["co_organisers"], validate_constraints=False)  # clean() checked them


@transaction.atomic
def programme_create(
    *, actor: User, data: ProgrammeData, co_organisers: Iterable[Organisation] = ()
) -> Programme:
    require(actor, "training.manage")
    programme = Programme(**data_values(data))
    _check_programme(programme)
    programme.save()
    programme.co_organisers.set(list(co_organisers))
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=programme, changes=diff({}, snapshot(programme))
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: User,
    programme: Programme,
    data: ProgrammeData,
    co_organisers: Iterable[Organisation] | None = None,
) -> Programme:
    """Change a programme to ``data``; returns it as saved (read again under a row lock: the
    audit compares the database row with ``data``)."""
    require(actor, "training.manage")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = snapshot(programme)
    changed = data_apply(programme, data)
    _check_programme(programme)
    if changed:
        programme.save(update_fields=changed)
    if co_organisers is not None:
        programme.co_organisers.set(list(co_organisers))
    changes = diff(before, snapshot(programme))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=programme, changes=changes)
    return programme


# --- events ------------------------------------------------------------------------------------


def _check_event(event: Event) -> None:
    event.clean()  # its own messages first (full_clean's field checks word some differently)
    event.full_clean(exclude=["co_organisers", "grants"], validate_constraints=False)  # clean() checked them


def _registered_count(event: Event) -> int:
    return event.enrolments.filter(status=Enrolment.Status.REGISTERED).count()


def _promote_waitlisted(*, actor: User, event: Event) -> list[Enrolment]:
    """Fill free places from the waiting list, first come first served."""
    if event.status == Event.Status.CANCELLED:
        return []
    free = event.capacity - _registered_count(event)
    promoted: list[Enrolment] = []
    if free <= 0:
        return promoted
    waiting = event.enrolments.filter(status=Enrolment.Status.WAITLISTED).order_by("registered_at", "id")
    for enrolment in waiting[:free]:
        enrolment.status = Enrolment.Status.REGISTERED
        # registered_at = when the person got a place (sessions before it are not expected of them).
        enrolment.registered_at = timezone.now()
        enrolment.save(update_fields=["status", "registered_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=enrolment,
            changes={"status": {"before": Enrolment.Status.WAITLISTED, "after": Enrolment.Status.REGISTERED}},
        )
        promoted.append(enrolment)
    return promoted


@transaction.atomic
def event_create(
    *,
    actor: User,
    data: EventData,
    grants: Iterable[Competency] = (),
    co_organisers: Iterable[Organisation] = (),
) -> Event:
    require(actor, "training.manage")
    event = Event(**data_values(data))
    if event.status == Event.Status.CANCELLED:
        raise _fail("status", _("A new event cannot be cancelled."))
    _check_event(event)
    event.save()
    event.grants.set(list(grants))
    event.co_organisers.set(list(co_organisers))
    after = snapshot(event) | {"grants": sorted(c.code for c in event.grants.all())}
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=event, changes=diff({}, after))
    return event


@transaction.atomic
def event_update(
    *,
    actor: User,
    event: Event,
    data: EventData,
    grants: Iterable[Competency] | None = None,
    co_organisers: Iterable[Organisation] | None = None,
) -> Event:
    """Change an event to ``data``; returns it as saved (read again under a row lock: the audit
    compares the database row with ``data``). Cancelling goes through ``event_cancel``; a cancelled
    event is frozen. More places promote people from the waiting list; fewer places than
    registered are refused."""
    require(actor, "training.manage")
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise _fail("status", _("A cancelled event cannot be changed."))
    if data.status == Event.Status.CANCELLED:
        raise _fail("status", _("Use the cancel action to cancel an event."))
    before = snapshot(event) | {"grants": sorted(c.code for c in event.grants.all())}
    changed = data_apply(event, data)
    _check_event(event)
    registered = _registered_count(event)
    if event.capacity < registered:
        raise _fail(
            "capacity",
            _("%(count)d people are already registered; cancel enrolments before reducing the places.")
            % {"count": registered},
        )
    if changed:
        event.save(update_fields=changed)
    if grants is not None:
        event.grants.set(list(grants))
    if co_organisers is not None:
        event.co_organisers.set(list(co_organisers))
    changes = diff(before, snapshot(event) | {"grants": sorted(c.code for c in event.grants.all())})
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=event, changes=changes)
    _promote_waitlisted(actor=actor, event=event)
    return event


@transaction.atomic
def event_cancel(*, actor: User, event: Event, reason: str = "") -> Event:
    """Cancel an event. Its enrolments stay as they are (history); certificates cannot be issued,
    and grants from certificates of a cancelled event no longer count (``competency_holders``)."""
    require(actor, "training.manage")
    if event.status == Event.Status.CANCELLED:
        raise _fail("status", _("The event is already cancelled."))
    before = event.status
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=event,
        changes={"status": {"before": before, "after": event.status}, "reason": reason},
    )
    return event


# --- sessions and materials --------------------------------------------------------------------


def _check_session(session: Session) -> None:
    session.clean()  # its own messages first (full_clean's field checks word some differently)
    session.full_clean(exclude=["provisions"], validate_constraints=False)  # clean() checked them


def _resolve_provisions(provisions: Iterable[Provision | str]) -> list[Provision]:
    """Provisions given as objects or codes, in order, without repeats; unknown codes are refused."""
    items = list(provisions)
    codes = [p.code if isinstance(p, Provision) else str(p).strip() for p in items]
    found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
    unknown = [c for c in dict.fromkeys(codes) if c not in found]
    if unknown:
        raise _fail("provisions", _("Unknown provision codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def _provision_codes(session: Session) -> list[str]:
    return sorted(p.code for p in session.provisions.all())


@transaction.atomic
def session_add(
    *,
    actor: User,
    event: Event,
    data: SessionData,
    provisions: Iterable[Provision | str] = (),
) -> Session:
    require(actor, "training.manage")
    if event.status == Event.Status.CANCELLED:
        raise _fail("event", _("A cancelled event cannot get new sessions."))
    session = Session(event=event, **data_values(data))
    _check_session(session)
    linked = _resolve_provisions(provisions)
    session.save()
    session.provisions.set(linked)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=session,
        changes=diff({}, snapshot(session) | {"provisions": _provision_codes(session)}),
    )
    return session


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: Session,
    data: SessionData,
    provisions: Iterable[Provision | str] | None = None,
) -> Session:
    """Change a session to ``data``; ``provisions`` (codes or objects) replaces its standards when
    given. Returns it as saved (read again under a row lock: the audit compares the database row
    with ``data``)."""
    require(actor, "training.manage")
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled:
        raise _fail("cancelled", _("A cancelled session cannot be changed."))
    before = snapshot(session) | {"provisions": _provision_codes(session)}
    changed = data_apply(session, data)
    _check_session(session)
    linked = _resolve_provisions(provisions) if provisions is not None else None
    if changed:
        session.save(update_fields=changed)
    if linked is not None:
        session.provisions.set(linked)
    changes = diff(before, snapshot(session) | {"provisions": _provision_codes(session)})
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=session, changes=changes)
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session) -> Session:
    """Cancel a session: it drops out of every attendance statistic (marks are kept as history)."""
    require(actor, "training.manage")
    if session.cancelled:
        raise _fail("cancelled", _("The session is already cancelled."))
    session.cancelled = True
    session.save(update_fields=["cancelled"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=session,
        changes={"cancelled": {"before": False, "after": True}},
    )
    return session


# Materials are only stored and handed back as downloads to the trainers and participants: their
# signature is enough (dozor.core.files.sniff without ``verify``).
MATERIAL_TYPES = (*OFFICE, PDF, PNG, JPEG, WEBP)


@transaction.atomic
def material_add(*, actor: User, session: Session, title: str, filename: str, content: bytes) -> Material:
    """Attach a file to a session. The type is judged from the content, not the name."""
    staff = require(actor, "training.manage")
    if not title.strip():
        raise _fail("title", _("Give the material a title."))
    limit = settings.DOZOR_MAX_IMPORT_BYTES
    if len(content) > limit:
        raise _fail("file", _("The file is larger than %(limit)d bytes.") % {"limit": limit})
    if not content:
        raise _fail("file", _("The file is empty."))
    kind = sniff(content, MATERIAL_TYPES, verify=False)
    if kind is None:
        raise _fail(
            "file", _("Only PDF, Word, PowerPoint, Excel files and images (PNG, JPEG, WebP) are accepted.")
        )
    content_type, extension = kind.content_type, kind.extension
    stem = "".join(c for c in filename.rsplit(".", 1)[0] if c.isalnum() or c in "-_")[:80] or "material"
    material = Material(
        session=session,
        title=title.strip(),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=staff,
    )
    material.file.save(f"{stem}.{extension}", ContentFile(content), save=False)
    material.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=material,
        changes={
            "session": session.pk,
            "content_type": content_type,
            "size": len(content),
            "sha256": material.sha256,
        },
    )
    return material


# --- enrolments and attendance -----------------------------------------------------------------


@transaction.atomic
def enrolment_register(
    *, actor: User, event: Event, person: Person, organisation: Organisation | None = None
) -> Enrolment:
    """Register a person: a place if one is free, otherwise the waiting list (no limit on its length).
    Someone who cancelled earlier may register again (the same row comes back, at the end of the queue)."""
    staff = require(actor, "training.manage")
    event = Event.objects.select_for_update().get(pk=event.pk)  # serialises registrations per event
    if event.status == Event.Status.CANCELLED:
        raise _fail("event", _("The event is cancelled."))
    if event.status == Event.Status.HELD or event.ends_on < timezone.localdate():
        raise _fail("event", _("The event has already taken place."))
    existing = Enrolment.objects.filter(event=event, person=person).first()
    if existing is not None and existing.status != Enrolment.Status.CANCELLED:
        raise _fail(
            "person",
            _("%(person)s is already registered for this event (%(status)s).")
            % {"person": person.full_name, "status": existing.get_status_display()},
        )
    status = (
        Enrolment.Status.REGISTERED
        if _registered_count(event) < event.capacity
        else Enrolment.Status.WAITLISTED
    )
    enrolment = existing or Enrolment(event=event, person=person)
    enrolment.organisation = organisation if organisation is not None else person.organisation
    enrolment.status = status
    enrolment.registered_at = timezone.now()
    enrolment.registered_by = staff
    enrolment.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE if existing is None else AuditEvent.Action.UPDATE,
        obj=enrolment,
        changes={"event": event.pk, "person": person.pk, "status": status},
    )
    return enrolment


@transaction.atomic
def participant_register_new(
    *,
    actor: User,
    event: Event,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    gender: str = Person.Gender.UNDISCLOSED,
    organisation: Organisation | None = None,
) -> Enrolment:
    """Add a person who is not yet on the roster (e.g. a ministry official at a seminar) and
    register them. Trainers may do this without the right to edit the roster: the new record
    holds only what a registration sheet holds. A namesake already on the roster is refused,
    so that the trainer picks the existing person instead of creating a duplicate."""
    require(actor, "training.manage")
    last_name, first_name, patronymic = last_name.strip(), first_name.strip(), patronymic.strip()
    errors: dict[str, list[str]] = {}
    if not last_name:
        errors["last_name"] = [_("Give the last name.")]
    if not first_name:
        errors["first_name"] = [_("Give the first name.")]
    if gender not in Person.Gender.values:
        errors["gender"] = [_("Choose a gender from the list.")]
    if errors:
        raise ValidationError(errors)
    # Compared case-folded in Python: SQLite's iexact folds only ASCII, not Cyrillic or Kazakh letters.
    wanted = (last_name.casefold(), first_name.casefold(), patronymic.casefold())
    namesake = next(
        (
            p
            for p in Person.objects.filter(search_text__contains=search_fold(last_name))
            if (p.last_name.casefold(), p.first_name.casefold(), p.patronymic.casefold()) == wanted
        ),
        None,
    )
    if namesake is not None:
        raise _fail(
            "last_name",
            _("%(name)s is already on the roster: choose them from the list instead.")
            % {"name": namesake.full_name},
        )
    person = Person(
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        gender=gender,
        organisation=organisation,
    )
    person.search_text = person.build_search_text()
    person.full_clean(exclude=["user"])
    person.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=person, changes=snapshot(person))
    return enrolment_register(actor=actor, event=event, person=person, organisation=organisation)


@transaction.atomic
def enrolment_cancel(*, actor: User, enrolment: Enrolment) -> list[Enrolment]:
    """Cancel an enrolment; a freed place goes to the first person on the waiting list.
    Returns the enrolments promoted."""
    require(actor, "training.manage")
    event = Event.objects.select_for_update().get(pk=enrolment.event_id)
    enrolment.refresh_from_db()
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise _fail("status", _("The enrolment is already cancelled."))
    if hasattr(enrolment, "certificate"):
        raise _fail("status", _("A certificate was issued for this enrolment; revoke it instead."))
    before = enrolment.status
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=enrolment,
        changes={"status": {"before": before, "after": enrolment.status}},
    )
    return _promote_waitlisted(actor=actor, event=event)


@transaction.atomic
def attendance_mark(*, actor: User, session: Session, marks: Mapping[int, str]) -> list[Attendance]:
    """Record attendance for a session; all marks are checked before any is written."""
    return attendance_mark_grid(actor=actor, event=session.event, marks={session.pk: marks})


@transaction.atomic
def attendance_mark_grid(
    *, actor: User, event: Event, marks: Mapping[int, Mapping[int, str]]
) -> list[Attendance]:
    """Record the attendance of several sessions of one event at once ({session id: {enrolment id:
    status}}, the event page's whole grid): every mark of every session is checked before any is
    written, so the grid is saved whole or not at all. Each session with a change gets one audit
    entry, as when sessions are marked one by one."""
    staff = require(actor, "training.manage")
    sessions = {s.pk: s for s in Session.objects.filter(pk__in=list(marks))}
    enrolment_ids = {enrolment_id for row in marks.values() for enrolment_id in row}
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=enrolment_ids).select_related("person")}
    statuses = set(Attendance.Status.values)
    errors: list[str] = []
    for session_id, row in marks.items():
        session = sessions.get(session_id)
        if session is None or session.event_id != event.pk:
            errors.append(_("Session %(id)s is not part of this event.") % {"id": session_id})
            continue
        if session.cancelled:
            errors.append(_("The session “%(topic)s” is cancelled.") % {"topic": session.topic or session.pk})
            continue
        for enrolment_id, status in row.items():
            enrolment = enrolments.get(enrolment_id)
            if enrolment is None or enrolment.event_id != event.pk:
                errors.append(_("Enrolment %(id)s is not for this event.") % {"id": enrolment_id})
            elif enrolment.status != Enrolment.Status.REGISTERED:
                errors.append(
                    _("%(person)s is not a participant (%(status)s).")
                    % {"person": enrolment.person.full_name, "status": enrolment.get_status_display()}
                )
            if status not in statuses:
                errors.append(_("Unknown attendance mark: %(mark)s.") % {"mark": status})
    if errors:
        # one message per problem, however many cells share it
        raise ValidationError({"marks": list(dict.fromkeys(errors))})
    existing = {
        (a.session_id, a.enrolment_id): a
        for a in Attendance.objects.filter(session_id__in=list(marks), enrolment_id__in=enrolment_ids)
    }
    now = timezone.now()
    created: list[Attendance] = []
    changed: list[Attendance] = []
    records: list[Attendance] = []
    for session_id, row in marks.items():
        changes: dict[str, Any] = {}
        for enrolment_id, status in row.items():
            record = existing.get((session_id, enrolment_id))
            if record is None:
                record = Attendance(
                    session_id=session_id, enrolment_id=enrolment_id, status=status, recorded_by=staff
                )
                created.append(record)
                changes[str(enrolment_id)] = {"before": None, "after": status}
            elif record.status != status:
                changes[str(enrolment_id)] = {"before": record.status, "after": status}
                record.status = status
                record.recorded_by = staff
                record.recorded_at = now  # bulk_update does not apply auto_now
                changed.append(record)
            records.append(record)
        if changes:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                obj=sessions[session_id],
                object_type="training.attendance",
                changes=changes,
            )
    Attendance.objects.bulk_create(created)
    Attendance.objects.bulk_update(changed, ["status", "recorded_by", "recorded_at"])
    return records


# --- knowledge tests ---------------------------------------------------------------------------


@transaction.atomic
def assessment_set_questions(
    *, actor: User, event: Event, kind: str, questions: list[dict[str, Any]]
) -> Assessment:
    """Create or replace the questions of the event's pre- or post-test (refused once answered).

    Each question: text_kk/text_ru/text_en, choices [{"name", "label_kk", ...}], correct (a choice
    name), points (>= 1), optional session (a Session of this event, for per-topic learning gain)."""
    require(actor, "training.manage")
    if kind not in Assessment.Kind.values:
        raise _fail("kind", _("Unknown kind of test."))
    assessment, _created = Assessment.objects.get_or_create(event=event, kind=kind)
    if assessment.results.exists():
        raise _fail("questions", _("The test has already been answered; its questions cannot change."))
    errors: list[str] = []
    built: list[AssessmentQuestion] = []
    for index, item in enumerate(questions, start=1):
        names = [str(c.get("name", "")) for c in item.get("choices") or []]
        if not (item.get("text_kk") or item.get("text_ru") or item.get("text_en")):
            errors.append(_("Question %(n)d has no text.") % {"n": index})
        if len(names) < 2 or "" in names or len(set(names)) != len(names):
            errors.append(_("Question %(n)d needs at least two choices with distinct names.") % {"n": index})
        if item.get("correct") not in names:
            errors.append(_("The correct answer of question %(n)d is not one of its choices.") % {"n": index})
        points = item.get("points", 1)
        if not isinstance(points, int) or points < 1:
            errors.append(_("Question %(n)d must be worth at least one point.") % {"n": index})
        session = item.get("session")
        if session is not None and session.event_id != event.pk:
            errors.append(_("Question %(n)d is linked to a session of another event.") % {"n": index})
        built.append(
            AssessmentQuestion(
                assessment=assessment,
                order=item.get("order", index),
                text_kk=item.get("text_kk", ""),
                text_ru=item.get("text_ru", ""),
                text_en=item.get("text_en", ""),
                session=session,
                choices=list(item.get("choices") or []),
                correct=str(item.get("correct", "")),
                points=points if isinstance(points, int) else 1,
            )
        )
    if not questions:
        errors.append(_("A test needs at least one question."))
    if errors:
        raise ValidationError({"questions": errors})
    before = assessment.questions.count()
    assessment.questions.all().delete()
    AssessmentQuestion.objects.bulk_create(built)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=assessment,
        changes={"questions": {"before": before, "after": len(built)}},
    )
    return assessment


@transaction.atomic
def assessment_submit(
    *, actor: User, assessment: Assessment, enrolment: Enrolment, answers: Mapping[int | str, str]
) -> AssessmentResult:
    """Score an answer sheet ({question id: choice name}); unanswered questions score nothing."""
    _require_self_or_manage(actor, enrolment)
    if enrolment.event_id != assessment.event_id:
        raise _fail("enrolment", _("The answer sheet belongs to a participant of another event."))
    if enrolment.status != Enrolment.Status.REGISTERED:
        raise _fail("enrolment", _("Only registered participants can take the test."))
    if AssessmentResult.objects.filter(assessment=assessment, enrolment=enrolment).exists():
        raise _fail("enrolment", _("This participant has already submitted this test."))
    questions = {q.pk: q for q in assessment.questions.all()}
    if not questions:
        raise _fail("assessment", _("The test has no questions yet."))
    errors: list[str] = []
    clean: dict[str, str] = {}
    for raw_id, choice in answers.items():
        try:
            question = questions.get(int(raw_id))
        except (TypeError, ValueError):
            question = None
        if question is None:
            errors.append(_("Unknown question: %(id)s.") % {"id": raw_id})
            continue
        if choice not in [c.get("name") for c in question.choices]:
            errors.append(
                _("Unknown answer %(choice)s to question %(id)s.") % {"choice": choice, "id": raw_id}
            )
            continue
        clean[str(question.pk)] = choice
    if errors:
        raise ValidationError({"answers": errors})
    score = sum(q.points for q in questions.values() if clean.get(str(q.pk)) == q.correct)
    result = AssessmentResult.objects.create(
        assessment=assessment,
        enrolment=enrolment,
        answers=clean,
        score=score,
        max_score=sum(q.points for q in questions.values()),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=result,
        changes={"score": result.score, "max_score": result.max_score},
    )
    return result


# --- evaluations -------------------------------------------------------------------------------


@transaction.atomic
def evaluation_submit(
    *,
    actor: User,
    event: Event,
    enrolment: Enrolment | None,
    overall: int,
    relevance: int,
    trainers: int,
    comment: str = "",
    on: datetime.date | None = None,
) -> Evaluation:
    """Record an anonymous evaluation. With an enrolment (online), a token stops a second one;
    without (a paper form typed in by a trainer), only trainers and coordinators may submit."""
    if enrolment is None:
        require(actor, "training.manage")
    else:
        _require_self_or_manage(actor, enrolment)
        if enrolment.event_id != event.pk:
            raise _fail("enrolment", _("The enrolment is for another event."))
        if enrolment.status != Enrolment.Status.REGISTERED:
            raise _fail("enrolment", _("Only registered participants can evaluate the event."))
        if EvaluationToken.objects.filter(enrolment=enrolment).exists():
            raise _fail("enrolment", _("This participant has already evaluated the event."))
    if event.status == Event.Status.CANCELLED:
        raise _fail("event", _("The event is cancelled."))
    errors: dict[str, list[str]] = {}
    for name, value in (("overall", overall), ("relevance", relevance), ("trainers", trainers)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = [_("Give a rating from 1 to 5.")]
    if errors:
        raise ValidationError(errors)
    day = on or timezone.localdate()
    evaluation = Evaluation.objects.create(
        event=event,
        overall=overall,
        relevance=relevance,
        trainers=trainers,
        comment=comment,
        submitted_on=day,
    )
    if enrolment is not None:
        EvaluationToken.objects.create(enrolment=enrolment, used_on=day)
    # Neither the evaluation id nor the enrolment: the log must not re-link the two.
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="training.evaluation",
        object_id="",
        object_repr=f"evaluation of event {event.pk}",
    )
    return evaluation


# --- certificates and competencies -------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = "DZ-" + "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not Certificate.objects.filter(code=code).exists():
            return code


@transaction.atomic
def certificate_issue(*, actor: User, enrolment: Enrolment, on: datetime.date | None = None) -> Certificate:
    """Issue a certificate if every rule of the event is met, granting the event's competencies."""
    staff = require(actor, "training.manage")
    enrolment = Enrolment.objects.select_for_update().select_related("event", "person").get(pk=enrolment.pk)
    refusal = certificate_refusal(enrolment)
    if refusal is not None:
        raise _fail("enrolment", refusal)
    day = on or timezone.localdate()
    certificate = Certificate.objects.create(
        enrolment=enrolment, code=_new_code(), issued_on=day, issued_by=staff
    )
    grants = [
        CompetencyGrant(
            person=enrolment.person,
            competency=competency,
            granted_on=day,
            valid_until=add_years(day, competency.valid_years),
            certificate=certificate,
        )
        for competency in enrolment.event.grants.all()
    ]
    CompetencyGrant.objects.bulk_create(grants)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=certificate,
        changes={
            "enrolment": enrolment.pk,
            "issued_on": day,
            "grants": sorted(g.competency.code for g in grants),
        },
    )
    return certificate


@transaction.atomic
def certificate_revoke(
    *, actor: User, certificate: Certificate, reason: str, on: datetime.date | None = None
) -> Certificate:
    require(actor, "training.manage")
    if certificate.revoked_on is not None:
        raise _fail("certificate", _("The certificate is already revoked."))
    if not reason.strip():
        raise _fail("reason", _("Give the reason for revoking the certificate."))
    day = on or timezone.localdate()
    certificate.revoked_on = day
    certificate.revoked_reason = reason.strip()[:300]
    certificate.save(update_fields=["revoked_on", "revoked_reason"])
    revoked = certificate.grants.filter(revoked_on__isnull=True).update(revoked_on=day)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=certificate,
        changes={"revoked_on": day, "revoked_reason": certificate.revoked_reason, "grants_revoked": revoked},
    )
    return certificate


@transaction.atomic
def competency_grant(
    *,
    actor: User,
    person: Person,
    competency: Competency,
    granted_on: datetime.date,
    valid_until: datetime.date | None = None,
    note: str = "",
) -> CompetencyGrant:
    """A manual grant (e.g. training elsewhere); the note should say on what grounds."""
    require(actor, "training.manage")
    until = valid_until or add_years(granted_on, competency.valid_years)
    if until < granted_on:
        raise _fail("valid_until", _("The grant cannot end before it starts."))
    if not note.strip():
        raise _fail("note", _("Say on what grounds the competency is granted."))
    grant = CompetencyGrant.objects.create(
        person=person,
        competency=competency,
        granted_on=granted_on,
        valid_until=until,
        note=note.strip()[:300],
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=grant, changes=diff({}, snapshot(grant)))
    return grant


@transaction.atomic
def competency_revoke(
    *, actor: User, grant: CompetencyGrant, on: datetime.date | None = None, note: str = ""
) -> CompetencyGrant:
    require(actor, "training.manage")
    if grant.revoked_on is not None:
        raise _fail("grant", _("The competency is already revoked."))
    before = snapshot(grant)
    grant.revoked_on = on or timezone.localdate()
    fields = ["revoked_on"]
    if note.strip():
        grant.note = note.strip()[:300]
        fields.append("note")
    grant.save(update_fields=fields)
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=grant, changes=diff(before, snapshot(grant))
    )
    return grant
