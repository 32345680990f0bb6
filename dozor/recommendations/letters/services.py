"""The correspondence register: outgoing and incoming letters, answering deadlines in working days
and escalation to the supervising ministry (docs/domain.md, section 4).

Rules:

- Only coordinators register letters (``access.can_manage_letters``); council members and monitors read
  the register; liaisons read the letters exchanged with their authority subtree
  (``access.letters_visible_to``).
- A registration number is unique per direction (outgoing and incoming numbering are separate
  journals). The registration date cannot be in the future.
- A letter names its correspondent: an authority, a place, or both - then the place must be
  operated by that authority or one under it (otherwise the liaisons of the place's authority would
  see a letter to another authority).
- Deadlines: an outgoing letter that expects an answer gives ``answer_within`` working days;
  ``due_on`` is that many working days after the registration date on the country pack's calendar
  (``dozor.core.workdays``). Incoming letters carry no deadline here.
- Replies: a letter ``in_reply_to`` another goes the other way (an incoming letter answers an
  outgoing one and vice versa). An outgoing letter is **answered** as soon as an incoming letter
  replies to it; it is **overdue** when its due date has passed and it is not answered.
- Escalation: an overdue, unanswered outgoing letter may be escalated once: a new outgoing letter to
  the top-level body above the correspondent (the ministry at the root of its ``Authority`` tree),
  subject "Escalation: ...", linked by ``escalation_of`` and carrying the same report and
  recommendations. Refused when the letter was answered, is not yet overdue on the escalation's
  date, was already escalated, or was already addressed to a top-level body.

- Screening (docs/decisions/0030): a letter's subject and summary are screened when it is
  registered; a hit keeps the letter from the liaison until a second person clears it.

Every write is keyword-only, checks the actor's rights, validates everything (reporting every
problem at once) before writing, runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority
from dozor.core.workdays import add_working_days
from dozor.facilities.models import Facility
from dozor.recommendations.access import can_manage_letters
from dozor.recommendations.models import Letter, Recommendation
from dozor.recommendations.screening.services import screening_apply
from dozor.visits.models import Report

Errors = dict[str, list[str]]
MAX_ANSWER_WITHIN = 365
SUBJECT_MAX = 300


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _ids(items: Iterable[Recommendation | int | str]) -> list[int]:
    result: list[int] = []
    for item in items:
        pk = item.pk if isinstance(item, models.Model) else item
        try:
            value = int(pk)
        except (TypeError, ValueError):
            value = -1  # reported as unknown
        if value not in result:
            result.append(value)
    return result


# --- selectors ----------------------------------------------------------------------------------


def _incoming_replies() -> QuerySet[Letter]:
    return Letter.objects.filter(in_reply_to=OuterRef("pk"), direction=Letter.Direction.INCOMING)


def with_state(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Annotate ``answered`` (an incoming reply exists) and ``escalated`` (an escalation exists)."""
    return letters.annotate(
        answered=Exists(_incoming_replies()),
        escalated=Exists(Letter.objects.filter(escalation_of=OuterRef("pk"))),
    )


def awaiting_answer(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Outgoing letters with a due date and no incoming reply yet."""
    return letters.filter(direction=Letter.Direction.OUTGOING, due_on__isnull=False).exclude(
        Exists(_incoming_replies())
    )


def overdue_letters(today: datetime.date, letters: QuerySet[Letter] | None = None) -> QuerySet[Letter]:
    """Outgoing letters whose answer was due before ``today`` and has not come (of ``letters``, which
    should come from ``access.letters_visible_to`` in pages; all letters by default)."""
    base = Letter.objects.all() if letters is None else letters
    return awaiting_answer(base).filter(due_on__lt=today)


def letters_due_by(until: datetime.date, letters: QuerySet[Letter] | None = None) -> QuerySet[Letter]:
    """Unanswered outgoing letters due on or before ``until`` (overdue ones included)."""
    base = Letter.objects.all() if letters is None else letters
    return awaiting_answer(base).filter(due_on__lte=until)


def is_answered(letter: Letter) -> bool:
    return letter.replies.filter(direction=Letter.Direction.INCOMING).exists()


def correspondent_authority(letter: Letter) -> Authority | None:
    """The authority the letter went to or came from (for a place: its operating authority)."""
    if letter.authority is not None:
        return letter.authority
    if letter.facility is not None:
        return letter.facility.authority
    return None


def supervising_ministry(letter: Letter) -> Authority | None:
    """The top-level body above the letter's correspondent, or None when the letter already went to
    a top-level body (there is nobody above it to escalate to)."""
    authority = correspondent_authority(letter)
    if authority is None:
        return None
    if letter.authority is not None and letter.authority.parent_id is None:
        return None
    root_code = authority.path.strip("/").split("/")[0]
    return Authority.objects.filter(code=root_code).first()


def escalation_problems(letter: Letter, *, on: datetime.date) -> list[str]:
    """Why ``letter`` cannot be escalated on the date ``on`` (empty when it can)."""
    problems: list[str] = []
    if letter.direction != Letter.Direction.OUTGOING or letter.due_on is None:
        problems.append(_("Only an outgoing letter that waits for an answer can be escalated."))
        return problems
    if is_answered(letter):
        problems.append(_("The letter was answered: there is nothing to escalate."))
    if letter.due_on >= on:
        problems.append(
            _("The answer is due on %(due)s: the letter can be escalated only after that day.")
            % {"due": f"{letter.due_on:%Y-%m-%d}"}
        )
    if letter.escalations.exists():
        problems.append(_("The letter was already escalated."))
    if supervising_ministry(letter) is None:
        problems.append(
            _("The letter went to a top-level body already: there is no supervising ministry above it.")
        )
    return problems


# --- writes -------------------------------------------------------------------------------------


def _check(
    *,
    direction: str,
    number: str,
    registered_on: datetime.date | None,
    authority: Authority | None,
    facility: Facility | None,
    subject: str,
    answer_within: int | None,
    in_reply_to: Letter | None,
    recommendation_ids: list[int],
) -> None:
    errors: Errors = {}
    if direction not in Letter.Direction.values:
        _add(errors, "direction", _("Choose whether the letter is outgoing or incoming."))
    if not number:
        _add(errors, "number", _("Give the registration number."))
    elif (
        direction in Letter.Direction.values
        and Letter.objects.filter(direction=direction, number=number).exists()
    ):
        label = Letter.Direction(direction).label
        _add(
            errors,
            "number",
            _("%(direction)s letter No. %(number)s is already registered: registration numbers are unique.")
            % {"direction": label, "number": number},
        )
    if registered_on is None:
        _add(errors, "registered_on", _("Give the registration date."))
    elif registered_on > timezone.localdate():
        _add(errors, "registered_on", _("The registration date cannot be in the future."))
    if authority is None and facility is None:
        _add(errors, "authority", _("Name the correspondent: an authority, a place or both."))
    if (
        authority is not None
        and facility is not None
        and not facility.authority.path.startswith(authority.path)
    ):
        _add(
            errors,
            "facility",
            _("The place is not operated by this authority or one under it; register two letters."),
        )
    if not subject:
        _add(errors, "subject", _("Give the subject of the letter."))
    elif len(subject) > SUBJECT_MAX:
        _add(errors, "subject", _("The subject is too long (at most 300 characters)."))
    if answer_within is not None:
        if direction == Letter.Direction.INCOMING:
            _add(errors, "answer_within", _("Only outgoing letters wait for an answer here."))
        elif not 1 <= answer_within <= MAX_ANSWER_WITHIN:
            _add(errors, "answer_within", _("Give between 1 and 365 working days."))
    if in_reply_to is not None:
        if in_reply_to.direction == direction:
            _add(
                errors,
                "in_reply_to",
                _("A reply goes the other way: an incoming letter answers an outgoing one and vice versa."),
            )
        if registered_on is not None and registered_on < in_reply_to.registered_on:
            _add(errors, "in_reply_to", _("A reply cannot be registered before the letter it answers."))
    known = set(Recommendation.objects.filter(pk__in=recommendation_ids).values_list("pk", flat=True))
    if len(known) != len(recommendation_ids):
        _add(errors, "recommendations", _("Some of the recommendations do not exist."))
    if errors:
        raise ValidationError(errors)


def _create(*, actor: User, recommendation_ids: list[int], **values: Any) -> Letter:
    try:
        with transaction.atomic():  # a savepoint: a number taken meanwhile is reported, not a 500
            letter = Letter.objects.create(created_by=actor, **values)
    except IntegrityError as exc:
        raise ValidationError(
            {"number": [_("This registration number was registered meanwhile; give another one.")]}
        ) from exc
    letter.recommendations.set(recommendation_ids)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=letter,
        changes={**snapshot(letter), "recommendations": sorted(recommendation_ids)},
    )
    # the subject and summary are read by the authority's liaison: screened (decision 0030)
    screening_apply(actor=actor, obj=letter)
    return letter


@transaction.atomic
def letter_register(
    *,
    actor: User,
    direction: str,
    number: str,
    registered_on: datetime.date,
    subject: str,
    authority: Authority | None = None,
    facility: Facility | None = None,
    summary: str = "",
    answer_within: int | None = None,
    in_reply_to: Letter | None = None,
    report: Report | None = None,
    recommendations: Iterable[Recommendation | int] = (),
) -> Letter:
    """Register a letter. ``answer_within`` (working days, outgoing letters only) sets ``due_on``;
    an incoming letter ``in_reply_to`` an outgoing one marks that one answered."""
    if not can_manage_letters(actor):
        raise PermissionDenied
    number, subject, summary = number.strip(), subject.strip(), summary.strip()
    recommendation_ids = _ids(recommendations)
    _check(
        direction=direction,
        number=number,
        registered_on=registered_on,
        authority=authority,
        facility=facility,
        subject=subject,
        answer_within=answer_within,
        in_reply_to=in_reply_to,
        recommendation_ids=recommendation_ids,
    )
    due_on = add_working_days(registered_on, answer_within) if answer_within else None
    return _create(
        actor=actor,
        recommendation_ids=recommendation_ids,
        direction=direction,
        number=number,
        registered_on=registered_on,
        authority=authority,
        facility=facility,
        subject=subject,
        summary=summary,
        answer_within=answer_within,
        due_on=due_on,
        in_reply_to=in_reply_to,
        report=report,
    )


@transaction.atomic
def letter_escalate(
    *,
    actor: User,
    letter: Letter,
    number: str,
    registered_on: datetime.date,
    answer_within: int | None,
) -> Letter:
    """Register an outgoing letter to the supervising ministry about ``letter``, which went
    unanswered past its due date. The original is locked so that it is escalated once."""
    if not can_manage_letters(actor):
        raise PermissionDenied
    original = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("authority", "facility__authority")
        .get(pk=letter.pk)
    )
    problems = escalation_problems(original, on=registered_on)
    if problems:
        raise ValidationError({"__all__": problems})
    ministry = supervising_ministry(original)
    assert ministry is not None  # escalation_problems checked it
    subject = (_("Escalation: %(subject)s") % {"subject": original.subject})[:SUBJECT_MAX]
    assert original.due_on is not None
    summary = _(
        "No answer was received to our letter No. %(number)s of %(date)s to %(correspondent)s; "
        "the answer was due on %(due)s."
    ) % {
        "number": original.number,
        "date": f"{original.registered_on:%Y-%m-%d}",
        "correspondent": (original.facility or original.authority),
        "due": f"{original.due_on:%Y-%m-%d}",
    }
    recommendation_ids = list(original.recommendations.values_list("pk", flat=True))
    number = number.strip()
    _check(
        direction=Letter.Direction.OUTGOING,
        number=number,
        registered_on=registered_on,
        authority=ministry,
        facility=None,
        subject=subject,
        answer_within=answer_within,
        in_reply_to=None,
        recommendation_ids=recommendation_ids,
    )
    due_on = add_working_days(registered_on, answer_within) if answer_within else None
    return _create(
        actor=actor,
        recommendation_ids=recommendation_ids,
        direction=Letter.Direction.OUTGOING,
        number=number,
        registered_on=registered_on,
        authority=ministry,
        facility=original.facility,
        subject=subject,
        summary=summary,
        answer_within=answer_within,
        due_on=due_on,
        escalation_of=original,
        report=original.report,
    )


def search(letters: QuerySet[Letter], query: str) -> QuerySet[Letter]:
    query = query.strip()
    if not query:
        return letters
    return letters.filter(Q(number__icontains=query) | Q(subject__icontains=query))
