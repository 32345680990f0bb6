"""Writes of the release gate: a version of a visit report for one audience - the public or the
inspected authority - made by removing text (docs/decisions/0008-publishing.md for the public
version, 0020-release-gate.md for the gate and the version for the authority).

Every version is screened the same way: the detectors, the names of registry persons, each exact
occurrence of the visit's interviewees' recorded identities, and the pack's location precision
rules (``location`` proposals: cell and room numbers go, the block stays). The text it starts
from is already made for the audience (``dozor.visits.reports.content.build(audience=...)``):
quotes only where the person's consent to that audience is in force, descriptions of sensitive
findings never. A version for the authority is started from an approved report not yet sent;
once approved, its text is stored on the report (``dozor.visits.reports.released``) and that
stored text is exactly what ``mark_sent`` sends and the liaison reads. It is never published.

Rules (docs/decisions/0008-publishing.md, docs/permissions.md):

- Start: coordinators, from a report that was approved or sent to the authority (or is already
  published in another language) - never from a draft or a report in review ("publishing without
  approval"). One public version per report and language. ``source`` is the report's text without
  the internal annexes (``dozor.visits.reports.content.build(internal=False, evidence=False)``), kept as it
  was when the version was started, so that the redactions' offsets stay valid.
- Detection proposes redactions (``dozor.core.screening.screen``) with the names to look for:
  persons of the registry, the identities recorded for the visit's interviews (decrypted here; each
  decryption is audited as a read) and the names of the visit's team. Team members are NPM members
  whose names may legitimately appear, but they are proposed like any other name: a rejected
  proposal costs one click, a missed name cannot be taken back once published.
- Redacting (deciding proposals, adding spans): coordinators, while the version is a draft. A span
  never overlaps another proposed or accepted one; a redaction the editor adds is accepted at once.
- Submit: the editor, once every proposal is decided; the submitter becomes the version's editor.
- Approve: a second person (coordinator or council member) who is neither the editor (who
  submitted), nor who started the version, nor anyone who decided or added a redaction of it (four
  eyes: the approver did none of the redacting).
- Return (with a reason): coordinators and council members send a submitted or approved version back
  to draft; a withdrawn version is reopened the same way.
- Publish: coordinators, only an approved version whose report is still approved, sent or published.
  The visit report's status becomes ``published``. Withdraw: coordinators; the version becomes
  ``withdrawn`` (``published_at`` kept); when no other language of the report is still published the
  report goes back to ``sent`` if it had been sent (``sent_on`` set), else ``approved``.

Every function is keyword-only, checks the actor's rights, validates everything before writing
(bad input changes nothing), runs in one transaction under a row lock of the public version (and of
the report where its status is read) and writes the audit log - never the removed text itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core import screening
from dozor.core.screening import DEFAULT_REPLACEMENT, Proposal
from dozor.publishing import selectors
from dozor.publishing.access import can_approve, can_publish, can_redact, can_review
from dozor.publishing.models import PublicReport, Redaction
from dozor.visits.models import Report
from dozor.visits.reports import content as report_content
from dozor.visits.reports import released

LANGUAGES = report_content.LANGUAGES
PUBLISHABLE = (Report.Status.APPROVED, Report.Status.SENT, Report.Status.PUBLISHED)
Audience = PublicReport.Audience
MAX_REPLACEMENT = 60
Status = PublicReport.Status
State = Redaction.State


def _require_redactor(actor: User) -> None:
    if not can_redact(actor):
        raise PermissionDenied


def _require_reviewer(actor: User) -> User:
    staff = active_user(actor)
    if staff is None or not can_review(staff):
        raise PermissionDenied
    return staff


def _require_publisher(actor: User) -> None:
    if not can_publish(actor):
        raise PermissionDenied


def _locked(public_report: PublicReport) -> PublicReport:
    """The version's row, read again and locked until the transaction ends."""
    return PublicReport.objects.select_for_update().get(pk=public_report.pk)


def _refresh(public_report: PublicReport, locked: PublicReport) -> None:
    for name in ("status", "editor_id", "submitted_at", "approver_id", "approved_at", "published_at"):
        setattr(public_report, name, getattr(locked, name))
    public_report.withdrawn_at, public_report.updated_at = locked.withdrawn_at, locked.updated_at


def _wrong_status(message: str) -> ValidationError:
    return ValidationError(message, code="status")


def _require_draft(locked: PublicReport) -> None:
    if locked.status != Status.DRAFT:
        raise _wrong_status(
            _("Redactions change only while the public version is being redacted; it is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )


def _not_approved_message() -> str:
    return _(
        "The report has not been approved: publishing without approval is refused. A public version "
        "can be made only from an approved report or one sent to the authority."
    )


# --- starting ---------------------------------------------------------------------------------------


def screen(text: str, *, names: Iterable[str] = (), identities: Iterable[str] = ()) -> list[Proposal]:
    """What the gate proposes to remove from ``text`` (``dozor.core.screening.screen``), with every
    kind the redaction model does not know recorded as a configured pattern."""
    return [
        p
        if p.kind in Redaction.Kind.values
        else Proposal(p.start, p.end, Redaction.Kind.PATTERN, p.replacement)
        for p in screening.screen(text, names=names, identities=identities)
    ]


def release_source(report: Report, *, lang: str, audience: str) -> dict[str, str]:
    """The text a release for ``audience`` starts from (before any redaction)."""
    content = report_content.build(report, lang=lang, internal=False, evidence=False, audience=audience)
    # The standards cited are public: written as notes, so the findings' markers point somewhere.
    return with_notes(content.as_text(quotes=True), content.references)


def internal_text(report: Report, *, lang: str) -> dict[str, str]:
    """The internal text of the report (without the evidence annex) in the form releases are made
    in, for comparing with them: what was withheld from whom."""
    content = report_content.build(report, lang=lang, internal=True, evidence=False)
    return with_notes(content.as_text(quotes=True), content.references)


def _not_approved_for_authority_message() -> str:
    return _(
        "A version for the authority is made from an approved report that has not been sent yet: "
        "approve the report first."
    )


@transaction.atomic
def public_version_start(
    *, actor: User, report: Report, lang: str, audience: str = Audience.PUBLIC
) -> PublicReport:
    """A new release of ``report`` in ``lang`` for ``audience`` (public or authority), with the
    gate's proposals."""
    _require_redactor(actor)
    locked_report = Report.objects.select_for_update().select_related("visit").get(pk=report.pk)
    problems: list[ValidationError] = []
    if lang not in LANGUAGES:
        problems.append(ValidationError(_("Choose the language of the public version."), code="lang"))
    if audience not in Audience.values:
        problems.append(ValidationError(_("Choose who the version is for."), code="audience"))
    elif audience == Audience.AUTHORITY and locked_report.status != Report.Status.APPROVED:
        problems.append(ValidationError(_not_approved_for_authority_message(), code="not_approved"))
    elif audience == Audience.PUBLIC and locked_report.status not in PUBLISHABLE:
        problems.append(ValidationError(_not_approved_message(), code="not_approved"))
    if (
        lang in LANGUAGES
        and PublicReport.objects.filter(report=locked_report, lang=lang, audience=audience).exists()
    ):
        problems.append(
            ValidationError(
                _("A version of this report for this audience in this language already exists."),
                code="exists",
            )
        )
    if problems:
        raise ValidationError(problems)
    source = release_source(locked_report, lang=lang, audience=audience)
    found = selectors.names_to_redact(locked_report, "\n".join(source.values()))
    public = PublicReport.objects.create(
        report=locked_report, lang=lang, audience=audience, source=source, editor=actor, started_by=actor
    )
    for interview_id in found.interview_ids:
        # the identities were decrypted to look for them in the text: a read of confidential data
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            object_type="visits.interview",
            object_id=str(interview_id),
            changes={"fields": ["identity"], "purpose": "redaction", "public_report": public.pk},
        )
    proposals = [
        Redaction(
            public_report=public,
            section=key,
            start=p.start,
            end=p.end,
            original=text[p.start : p.end],
            kind=p.kind,
            replacement=p.replacement,
        )
        for key, text in source.items()
        for p in screen(text, names=found.names, identities=found.identities)
    ]
    Redaction.objects.bulk_create(proposals)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=public,
        changes={
            "report": locked_report.pk,
            "lang": lang,
            "audience": audience,
            "report_status": locked_report.status,
            "proposed": dict(Counter(p.kind for p in proposals)),
        },
    )
    return public


def release_start(*, actor: User, report: Report, lang: str, audience: str) -> PublicReport:
    """``public_version_start`` named for what it is: a release to an audience."""
    return public_version_start(actor=actor, report=report, lang=lang, audience=audience)


# --- redacting --------------------------------------------------------------------------------------


def _overlapping(
    public_report: PublicReport, section: str, start: int, end: int, *, exclude: int | None = None
) -> int:
    """How many proposed or accepted redactions of the section overlap [start, end)."""
    query = Redaction.objects.filter(
        public_report=public_report,
        section=section,
        state__in=(State.PROPOSED, State.ACCEPTED),
        start__lt=end,
        end__gt=start,
    )
    if exclude is not None:
        query = query.exclude(pk=exclude)
    return query.count()


def _overlap_error() -> ValidationError:
    return ValidationError(
        _(
            "This span overlaps another redaction of the section that is proposed or accepted. "
            "Decide or change that one instead."
        ),
        code="overlap",
    )


@transaction.atomic
def redaction_decide(*, actor: User, redaction: Redaction, accept: bool) -> Redaction:
    """Accept (remove the span) or reject (keep the text) a redaction; a decision may be changed
    while the version is a draft."""
    _require_redactor(actor)
    public = _locked(redaction.public_report)
    _require_draft(public)
    locked = Redaction.objects.select_for_update().get(pk=redaction.pk)
    new_state = State.ACCEPTED if accept else State.REJECTED
    if locked.state == new_state:
        return locked
    if accept and _overlapping(public, locked.section, locked.start, locked.end, exclude=locked.pk):
        raise _overlap_error()
    before = snapshot(locked, ["state", "decided_by", "decided_at"])
    locked.state = new_state
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={
            "public_report": public.pk,
            "section": locked.section,
            "span": [locked.start, locked.end],
            "kind": locked.kind,
            **diff(before, snapshot(locked, ["state", "decided_by", "decided_at"])),
        },
    )
    redaction.state, redaction.decided_by, redaction.decided_at = locked.state, actor, locked.decided_at
    return locked


@transaction.atomic
def redaction_add(
    *,
    actor: User,
    public_report: PublicReport,
    section: str,
    start: int,
    end: int,
    kind: str = Redaction.Kind.MANUAL,
    replacement: str = DEFAULT_REPLACEMENT,
) -> Redaction:
    """A span of a section that the editor removes (accepted at once). Whitespace at either end of
    the span is left in the text. Refused, with nothing written, for a span outside the section's
    text, an empty one, or one overlapping a proposed or accepted redaction."""
    _require_redactor(actor)
    public = _locked(public_report)
    _require_draft(public)
    text = public.source.get(section)
    errors: dict[str, list[str]] = {}
    if not isinstance(text, str):
        raise ValidationError({"section": [_("The public version has no such section.")]}, code="section")
    if kind not in Redaction.Kind.values:
        errors["kind"] = [_("Choose the kind of the redaction.")]
    replacement = (replacement or "").strip() or DEFAULT_REPLACEMENT
    if len(replacement) > MAX_REPLACEMENT:
        errors["replacement"] = [
            _("The marker is at most %(count)s characters long.") % {"count": MAX_REPLACEMENT}
        ]
    if not (0 <= start < end <= len(text)):
        errors.setdefault("text", []).append(_("The span lies outside the section's text or is empty."))
    else:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            errors.setdefault("text", []).append(_("The span holds no text to remove."))
        elif _overlapping(public, section, start, end):
            errors.setdefault("text", []).append(_overlap_error().messages[0])
    if errors:
        raise ValidationError(errors)
    redaction = Redaction.objects.create(
        public_report=public,
        section=section,
        start=start,
        end=end,
        original=text[start:end],
        kind=kind,
        state=State.ACCEPTED,
        replacement=replacement,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=redaction,
        changes={
            "public_report": public.pk,
            "section": section,
            "span": [start, end],
            "kind": kind,
            "state": redaction.state,
            "replacement": replacement,
        },
    )
    return redaction


def find_occurrence(text: str, needle: str, occurrence: int) -> tuple[int, int] | None:
    """The span of the ``occurrence``-th (from 1) exact occurrence of ``needle`` in ``text``,
    counting occurrences as ``str.count`` does (without overlaps)."""
    if not needle or occurrence < 1:
        return None
    position, search_from = -1, 0
    for _n in range(occurrence):
        position = text.find(needle, search_from)
        if position < 0:
            return None
        search_from = position + len(needle)
    return position, position + len(needle)


@transaction.atomic
def redaction_add_text(
    *,
    actor: User,
    public_report: PublicReport,
    section: str,
    text: str,
    occurrence: int = 1,
    kind: str = Redaction.Kind.MANUAL,
    replacement: str = DEFAULT_REPLACEMENT,
) -> Redaction:
    """``redaction_add`` for the ``occurrence``-th exact occurrence of ``text`` in the section (what
    the page sends: no offsets, no JavaScript)."""
    _require_redactor(actor)
    source = public_report.source.get(section)
    if not isinstance(source, str):
        raise ValidationError({"section": [_("The public version has no such section.")]}, code="section")
    needle = (text or "").strip()
    if not needle:
        raise ValidationError({"text": [_("Give the exact text to remove.")]}, code="required")
    span = find_occurrence(source, needle, occurrence)
    if span is None:
        count = source.count(needle)
        message = (
            _("The text was not found in this section.")
            if count == 0
            else _(
                "The text occurs %(count)s times in this section; choose an occurrence from 1 to %(count)s."
            )
            % {"count": count}
        )
        raise ValidationError({"text": [message]}, code="not_found")
    return redaction_add(
        actor=actor,
        public_report=public_report,
        section=section,
        start=span[0],
        end=span[1],
        kind=kind,
        replacement=replacement,
    )


# A finding line ends with its note markers, " [1] [2]" (``dozor.visits.reports.content``).
_ENDS_WITH_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+\s*$")


def with_notes(source: dict[str, str], references: Sequence[Any]) -> dict[str, str]:
    """``source`` with the standards cited (``ReportContent.references``) written as notes
    ("[1] label — title (source)") after the last section whose findings point to them."""
    if not references:
        return source
    marked = [
        key
        for key, text in source.items()
        if any(_ENDS_WITH_MARKERS.search(line) for line in text.split("\n"))
    ]
    if not marked:
        return source
    lines = []
    for ref in references:
        line = f"[{ref.number}] {ref.label}"
        if ref.title:
            line += f" — {ref.title}"
        if ref.source:
            line += f" ({ref.source})"
        lines.append(line)
    last = marked[-1]
    return {**source, last: "\n".join([source[last], *lines])}


def apply_redactions(source: Mapping[str, str], accepted: Iterable[Redaction]) -> dict[str, str]:
    """The public text per section: ``source`` with each accepted redaction replaced by its
    marker. The removed text is not kept anywhere in the result. The portal calls this with the
    redactions of many versions loaded at once."""
    by_section: dict[str, list[Redaction]] = {}
    for redaction in sorted(accepted, key=lambda r: (r.section, r.start, r.end)):
        by_section.setdefault(redaction.section, []).append(redaction)
    result: dict[str, str] = {}
    for key, text in source.items():
        pieces: list[str] = []
        position = 0
        for redaction in by_section.get(key, []):
            start, end = min(redaction.start, len(text)), min(redaction.end, len(text))
            if end <= position:
                continue  # inside a span already removed
            pieces.append(text[position:start] if start > position else "")
            pieces.append(redaction.replacement)
            position = end
        pieces.append(text[position:])
        result[key] = "".join(pieces)
    return result


def public_text(public_report: PublicReport) -> dict[str, str]:
    """The public text per section of one version (see ``apply_redactions``)."""
    accepted = Redaction.objects.filter(public_report=public_report, state=State.ACCEPTED)
    return apply_redactions(public_report.source, accepted)


# --- the workflow ----------------------------------------------------------------------------------


def _transition(
    *,
    actor: User,
    public_report: PublicReport,
    locked: PublicReport,
    fields: dict[str, Any],
    extra: dict[str, Any],
) -> PublicReport:
    names = list(fields)
    before = snapshot(locked, names)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*names, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={**diff(before, snapshot(locked, names)), **extra},
    )
    _refresh(public_report, locked)
    return public_report


@transaction.atomic
def public_version_submit(*, actor: User, public_report: PublicReport) -> PublicReport:
    """Draft -> awaiting approval (coordinators), once every proposal has been decided."""
    _require_redactor(actor)
    locked = _locked(public_report)
    if locked.status != Status.DRAFT:
        raise _wrong_status(_("Only a public version being redacted can be submitted for approval."))
    undecided = Redaction.objects.filter(public_report=locked, state=State.PROPOSED).count()
    if undecided:
        raise ValidationError(
            _("%(count)s proposed redaction(s) are not decided yet: accept or reject each before submitting.")
            % {"count": undecided},
            code="undecided",
        )
    return _transition(
        actor=actor,
        public_report=public_report,
        locked=locked,
        fields={"status": Status.SUBMITTED, "editor": actor, "submitted_at": timezone.now()},
        extra={},
    )


@transaction.atomic
def public_version_approve(*, actor: User, public_report: PublicReport) -> PublicReport:
    """Awaiting approval -> approved, by a second person (coordinator or council member)."""
    staff = _require_reviewer(actor)
    locked = _locked(public_report)
    if locked.status != Status.SUBMITTED:
        raise _wrong_status(_("Only a public version awaiting approval can be approved."))
    redacted = Redaction.objects.filter(public_report=locked, decided_by=staff).exists()
    if not can_approve(staff, locked) or redacted or locked.started_by_id == staff.pk:
        raise ValidationError(
            _(
                "You redacted this public version: a second person, who did not take part in the "
                "redaction, must approve it."
            ),
            code="four_eyes",
        )
    if locked.for_authority:
        report = Report.objects.select_for_update().get(pk=locked.report_id)
        if report.status != Report.Status.APPROVED:
            raise _wrong_status(_not_approved_for_authority_message())
    _transition(
        actor=actor,
        public_report=public_report,
        locked=locked,
        fields={"status": Status.APPROVED, "approver": actor, "approved_at": timezone.now()},
        extra={},
    )
    if locked.for_authority:
        # exactly this text is what the authority will receive (mark_sent, the liaison portal)
        released.store_approved(
            report_id=locked.report_id,
            lang=locked.lang,
            release_id=locked.pk,
            sections=public_text(locked),
            approved_by=staff.pk,
        )
    return public_report


@transaction.atomic
def public_version_return(*, actor: User, public_report: PublicReport, reason: str) -> PublicReport:
    """Awaiting approval, approved or withdrawn -> back to redaction, with a reason (coordinators
    and council members). The approval, if any, is cleared."""
    _require_reviewer(actor)
    locked = _locked(public_report)
    if locked.status not in (Status.SUBMITTED, Status.APPROVED, Status.WITHDRAWN):
        raise _wrong_status(
            _("Only a public version awaiting approval, approved or withdrawn can be sent back to redaction.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the public version goes back to redaction.")]})
    if locked.for_authority and release_sent(locked):
        raise _wrong_status(_sent_message())
    _transition(
        actor=actor,
        public_report=public_report,
        locked=locked,
        fields={"status": Status.DRAFT, "submitted_at": None, "approver": None, "approved_at": None},
        extra={"reason": reason[:500]},
    )
    if locked.for_authority:
        released.clear_approved(report_id=locked.report_id, lang=locked.lang, release_id=locked.pk)
    return public_report


@transaction.atomic
def release_restart(*, actor: User, public_report: PublicReport, reason: str) -> PublicReport:
    """Discard a version for the authority that was not sent and start a new one from the report as
    it is now (coordinators). Needed when the report was returned and approved again after its
    version for the authority was approved: ``mark_sent`` refuses that version as stale, and only
    one version per report, language and audience may exist. The discarded version, its
    redactions and its stored approved text are removed; the audit log keeps who, why and the
    counts (never the text)."""
    _require_redactor(actor)
    locked = _locked(public_report)
    if not locked.for_authority:
        raise _wrong_status(
            _(
                "Only a version for the authority is discarded and started again; a public version is withdrawn."
            )
        )
    if release_sent(locked):
        raise _wrong_status(_sent_message())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the version for the authority is started again.")]})
    report, lang = locked.report, locked.lang
    released.clear_approved(report_id=locked.report_id, lang=lang, release_id=locked.pk)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=locked,
        changes={
            "report": locked.report_id,
            "lang": lang,
            "audience": locked.audience,
            "status": locked.status,
            "reason": reason[:500],
            "redactions": dict(Counter(locked.redactions.values_list("state", flat=True))),
        },
    )
    locked.delete()
    return public_version_start(actor=actor, report=report, lang=lang, audience=Audience.AUTHORITY)


def _sent_message() -> str:
    return _(
        "This version was sent to the authority: it is the record of what the authority received and "
        "does not change."
    )


def release_sent(public_report: PublicReport) -> bool:
    """Whether the release has left the NPM: a public version published (now or before), a version
    for the authority sent with the report."""
    if public_report.audience == Audience.AUTHORITY:
        report = Report.objects.only("authority_release").get(pk=public_report.report_id)
        return public_report.pk in released.sent_release_ids(report)
    return public_report.published_at is not None or public_report.status in (
        Status.PUBLISHED,
        Status.WITHDRAWN,
    )


def _require_public(locked: PublicReport) -> None:
    if locked.for_authority:
        raise _wrong_status(_("A version for the authority is never published: it is sent with the report."))


def _set_report_status(*, actor: User, report_id: int, status: str, why: str) -> None:
    """The visit report's status, changed by a queryset update (the report's own workflow lives in
    dozor.visits.reports.services and never reaches ``published``)."""
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.status == status:
        return
    Report.objects.filter(pk=report_id).update(status=status, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=report,
        changes={"status": {"before": report.status, "after": status}, "by": why},
    )


@transaction.atomic
def public_version_publish(*, actor: User, public_report: PublicReport) -> PublicReport:
    """Approved -> published (coordinators); the visit report becomes ``published``."""
    _require_publisher(actor)
    locked = _locked(public_report)
    _require_public(locked)
    report = Report.objects.select_for_update().get(pk=locked.report_id)
    if locked.status != Status.APPROVED:
        raise _wrong_status(
            _(
                "This public version has not been approved: publishing without approval is refused. "
                "A second person must approve it first."
            )
        )
    if report.status not in PUBLISHABLE:
        raise _wrong_status(_not_approved_message())
    _transition(
        actor=actor,
        public_report=public_report,
        locked=locked,
        fields={"status": Status.PUBLISHED, "published_at": timezone.now(), "withdrawn_at": None},
        extra={},
    )
    _set_report_status(
        actor=actor,
        report_id=report.pk,
        status=Report.Status.PUBLISHED,
        why=f"publishing.publicreport:{locked.pk}",
    )
    return public_report


@transaction.atomic
def public_version_withdraw(*, actor: User, public_report: PublicReport, reason: str = "") -> PublicReport:
    """Published -> withdrawn (coordinators): off the portal at once; ``published_at`` is kept.

    When no other language of the report stays published, the report's status goes back to
    ``sent`` if it was sent to the authority, else ``approved``."""
    _require_publisher(actor)
    locked = _locked(public_report)
    _require_public(locked)
    report = Report.objects.select_for_update().get(pk=locked.report_id)
    if locked.status != Status.PUBLISHED:
        raise _wrong_status(_("Only a published public version can be withdrawn."))
    _transition(
        actor=actor,
        public_report=public_report,
        locked=locked,
        fields={"status": Status.WITHDRAWN, "withdrawn_at": timezone.now()},
        extra={"reason": (reason or "").strip()[:500]} if (reason or "").strip() else {},
    )
    still_published = PublicReport.objects.filter(
        report_id=report.pk, status=Status.PUBLISHED, audience=Audience.PUBLIC
    ).exists()
    if not still_published and report.status == Report.Status.PUBLISHED:
        back = Report.Status.SENT if report.sent_on else Report.Status.APPROVED
        _set_report_status(
            actor=actor, report_id=report.pk, status=back, why=f"publishing.publicreport:{locked.pk}"
        )
    return public_report


# --- consent withdrawn ------------------------------------------------------------------------------

_QUOTE_AUDIENCE = {"quote_authority": Audience.AUTHORITY, "quote_public": Audience.PUBLIC}


def _quote_spans(text: str, excerpt: str) -> list[tuple[int, int]]:
    """The spans of the quote line(s) carrying ``excerpt`` («excerpt» — attribution), the whole
    line: the attribution goes with the words."""
    needle = f"«{excerpt}»"
    spans = []
    position = text.find(needle)
    while position >= 0:
        line_end = text.find("\n", position)
        spans.append((position, len(text) if line_end < 0 else line_end))
        position = text.find(needle, position + len(needle))
    return spans


def _describe(release: PublicReport) -> str:
    report = release.report
    place = report.visit.facility.name
    if release.for_authority:
        return _(
            "Version for the authority (%(lang)s) of the report on the visit to %(place)s, sent on %(date)s"
        ) % {
            "lang": release.lang,
            "place": place,
            "date": report.sent_on.isoformat() if report.sent_on else "—",
        }
    when = timezone.localdate(release.published_at).isoformat() if release.published_at else "—"
    return _("Public version (%(lang)s) of the report on the visit to %(place)s, published on %(date)s") % {
        "lang": release.lang,
        "place": place,
        "date": when,
    }


def releases_drop_quote(*, actor: User, consent: Any) -> list[str]:
    """Remove the quote of ``consent``'s interview from every release of its audience not yet sent
    (see ``dozor.publishing.signals``); the descriptions of the releases already sent with it.
    Runs inside the withdrawal's transaction."""
    audience = _QUOTE_AUDIENCE.get(consent.use)
    interview = consent.interview
    excerpt = " ".join((interview.excerpt or "").split())
    if audience is None or not excerpt:
        return []
    already_sent: list[str] = []
    releases = (
        PublicReport.objects.select_for_update()
        .filter(report__visit_id=interview.visit_id, audience=audience)
        .select_related("report__visit__facility")
        .order_by("id")
    )
    for release in releases:
        spans = {key: _quote_spans(text, excerpt) for key, text in release.source.items()}
        if not any(spans.values()):
            continue
        if release_sent(release):
            already_sent.append(_describe(release))
            continue
        now = timezone.now()
        for key, found in spans.items():
            for start, end in found:
                # the quote's span takes in every redaction it touches (a name inside the quote)
                touching = Redaction.objects.filter(
                    public_report=release, section=key, start__lt=end, end__gt=start
                )
                for other in touching:
                    start, end = min(start, other.start), max(end, other.end)
                touching.delete()
                redaction = Redaction.objects.create(
                    public_report=release,
                    section=key,
                    start=start,
                    end=end,
                    original=release.source[key][start:end],
                    kind=Redaction.Kind.CONSENT,
                    state=State.ACCEPTED,
                    decided_by=actor,
                    decided_at=now,
                )
                audit_record(
                    actor=actor,
                    action=AuditEvent.Action.CREATE,
                    obj=redaction,
                    changes={
                        "public_report": release.pk,
                        "section": key,
                        "span": [start, end],
                        "kind": Redaction.Kind.CONSENT,
                        "state": State.ACCEPTED,
                        "consent": consent.pk,
                    },
                )
        if release.status == Status.APPROVED:
            # a second person approves the text again, without the quote
            _transition(
                actor=actor,
                public_report=release,
                locked=release,
                fields={"status": Status.SUBMITTED, "approver": None, "approved_at": None},
                extra={"reason": "consent withdrawn", "consent": consent.pk},
            )
            if release.for_authority:
                released.clear_approved(report_id=release.report_id, lang=release.lang, release_id=release.pk)
    return already_sent
