"""Writes to visit reports: starting a report, editing its sections, versions, comments and the
workflow draft -> group review -> coordinator approval -> sent to the authority.

Rules (docs/decisions/0006-visit-reports.md):

- Who: coordinators and the monitors on the visit's team edit sections, comment, save versions,
  submit a draft for review and return it from review (``dozor.visits.access.can_record``). Only
  coordinators approve, return an approved report to draft (with a reason) and record that it
  was sent (``dozor.visits.access.can_approve_report``). Council members read reports and change nothing.
- Editing: sections change only while the report is a draft or in review. Every save names the
  revision it was based on; when somebody else saved the section in the meantime nothing is
  written and ``ReportConflict`` carries the other person's current text, so the editor can merge
  the two texts and save again (optimistic concurrency: no text is ever overwritten unseen).
- Approval needs at least one finding of the visit and a written summary; a report is recorded as
  sent only after approval, never with a date in the future.
- Versions: every status change freezes the whole report text (the editable sections and the
  findings built from the visit's data, ``dozor.visits.reports.content``) as a numbered version; editors
  may save a version at any time too.
- ``published`` is never reached here: the publication workflow of the publishing issue produces a
  redacted public version from an approved or sent report and sets that status.

Every function is keyword-only, checks the actor's rights, validates everything before writing,
runs in one transaction and writes the audit log. Rows that decide a check (the report's status,
a section's revision) are read again under a row lock, so two concurrent requests cannot both pass.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.visits.access import can_approve_report, can_record
from dozor.visits.models import Finding, Report, ReportComment, ReportSection, ReportVersion, Visit
from dozor.visits.reports import content as report_content

# Reasons of the versions taken at status changes. Stored in English and shown translated
# (``version_reason``), so that a version list reads the same in every interface language.
REASON_SUBMITTED = gettext_noop("Submitted for group review")
REASON_RETURNED = gettext_noop("Returned to draft")
REASON_APPROVED = gettext_noop("Approved")
REASON_SENT = gettext_noop("Sent to the authority")
REASONS = (REASON_SUBMITTED, REASON_RETURNED, REASON_APPROVED, REASON_SENT)


class ReportConflict(ValidationError):
    """Somebody saved the section after the editor loaded it: nothing was written.

    Carries the section's current text, revision, author and time, and the text the editor
    submitted, so that the page can show both for merging."""

    def __init__(self, *, current: ReportSection, submitted: str, updated_by: User | None) -> None:
        who = _person(updated_by) or _("another user")
        super().__init__(
            _(
                "%(who)s saved this section while you were editing it. Your text was not saved: "
                "compare it with theirs below, merge the two and save again."
            )
            % {"who": who},
            code="conflict",
        )
        self.section = current
        self.current_body = current.body
        self.current_revision = current.revision
        self.updated_by = updated_by
        self.updated_at = current.updated_at
        self.submitted_body = submitted


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def report_language(actor: User) -> str:
    """The language versions are written in: the actor's preferred language, else Russian."""
    lang = actor.preferred_language
    return lang if lang in report_content.LANGUAGES else "ru"


def version_reason(version: ReportVersion) -> str:
    """A version's reason in the current language (status-change reasons are stored in English)."""
    reason = version.reason
    if reason in REASONS:
        return _(reason)
    prefix = f"{REASON_RETURNED}: "
    if reason.startswith(prefix):
        return f"{_(REASON_RETURNED)}: {reason[len(prefix) :]}"
    return reason


def _locked_report(report: Report) -> Report:
    """The report row, read again and locked until the transaction ends (with its visit)."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    locked.visit = report.visit
    return locked


def _refresh(report: Report, locked: Report, fields: list[str]) -> None:
    """Copy what was written to the caller's instance, so that it shows the new state."""
    for name in fields:
        setattr(report, name, getattr(locked, name))


@transaction.atomic
def report_start(*, actor: User, visit: Visit) -> Report:
    """The visit's report, created as an empty draft with one row per section if it has none."""
    if not can_record(actor, visit):
        raise PermissionDenied
    existing = Report.objects.filter(visit=visit).first()
    if existing is not None:
        return existing
    report = Report.objects.create(visit=visit, created_by=actor)
    ReportSection.objects.bulk_create(
        ReportSection(report=report, key=key, order=n) for n, key in enumerate(ReportSection.Key.values)
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=report, changes={"visit": visit.pk})
    return report


def _require_editor(actor: User, report: Report) -> None:
    """Team and coordinators edit; anyone else is refused. The report must be a draft or in review."""
    if not can_record(actor, report.visit):
        raise PermissionDenied
    if not report.editable:
        raise ValidationError(
            _("Only a draft or a report in group review can be changed; this report is “%(status)s”.")
            % {"status": report.get_status_display()},
            code="not_editable",
        )


@transaction.atomic
def section_save(*, actor: User, section: ReportSection, body: str, base_revision: int) -> ReportSection:
    """Save a section's text written on top of ``base_revision``.

    Raises ``ReportConflict`` (nothing written) when the section changed since that revision."""
    report = _locked_report(section.report)
    _require_editor(actor, report)
    current = ReportSection.objects.select_for_update().get(pk=section.pk)
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if base_revision != current.revision:
        updated_by = User.objects.filter(pk=current.updated_by_id).first() if current.updated_by_id else None
        raise ReportConflict(current=current, submitted=body, updated_by=updated_by)
    if body == current.body:
        return current  # nothing changed: no new revision, nothing to audit
    before = snapshot(current, ["body", "revision"])
    current.body = body
    current.revision += 1
    current.updated_by = actor
    current.updated_at = timezone.now()
    current.save(update_fields=["body", "revision", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        changes={"section": current.key, **diff(before, snapshot(current, ["body", "revision"]))},
    )
    section.body, section.revision = current.body, current.revision
    section.updated_by, section.updated_at = current.updated_by, current.updated_at
    return current


def report_text(report: Report, *, lang: str) -> dict[str, str]:
    """The whole report as plain text per section key, as versions store it."""
    return report_content.build(report, lang=lang, internal=True).as_text()


def _take_version(*, actor: User, report: Report, reason: str) -> ReportVersion:
    """Freeze the report's current text as the next version (the report row must be locked)."""
    lang = report_language(actor)
    revisions = dict(ReportSection.objects.filter(report=report).values_list("key", "revision"))
    last = ReportVersion.objects.filter(report=report).aggregate(last=Max("number"))["last"] or 0
    version = ReportVersion.objects.create(
        report=report,
        number=last + 1,
        status=report.status,
        reason=reason[:300],
        content={"lang": lang, "sections": report_text(report, lang=lang), "revisions": revisions},
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=version,
        changes={"report": report.pk, "number": version.number, "status": version.status, "reason": reason},
    )
    return version


@transaction.atomic
def version_save(*, actor: User, report: Report, reason: str = "") -> ReportVersion:
    """Freeze the report as it reads now as a new numbered version (editors only)."""
    locked = _locked_report(report)
    if not can_record(actor, locked.visit):
        raise PermissionDenied
    return _take_version(actor=actor, report=locked, reason=reason.strip())


def _transition(
    *,
    actor: User,
    report: Report,
    locked: Report,
    to: str,
    reason: str,
    fields: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Report:
    before = snapshot(locked, ["status", *fields])
    locked.status = to
    for name, value in fields.items():
        setattr(locked, name, value)
    names = ["status", *fields]
    locked.save(update_fields=[*names, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={**diff(before, snapshot(locked, names)), **(extra or {})},
    )
    _take_version(actor=actor, report=locked, reason=reason)
    _refresh(report, locked, [*names, "updated_at"])
    return report


def _wrong_status(message: str) -> ValidationError:
    return ValidationError(message, code="status")


@transaction.atomic
def submit_for_review(*, actor: User, report: Report) -> Report:
    """Draft -> group review (the team or a coordinator)."""
    locked = _locked_report(report)
    if not can_record(actor, locked.visit):
        raise PermissionDenied
    if locked.status != Report.Status.DRAFT:
        raise _wrong_status(_("Only a draft can be submitted for review."))
    return _transition(
        actor=actor, report=report, locked=locked, to=Report.Status.REVIEW, reason=REASON_SUBMITTED, fields={}
    )


@transaction.atomic
def return_to_draft(*, actor: User, report: Report, reason: str = "") -> Report:
    """Review -> draft (the team or a coordinator); approved -> draft (a coordinator, with a reason,
    which also clears the approval). A report already sent cannot be returned."""
    locked = _locked_report(report)
    if not can_record(actor, locked.visit):
        raise PermissionDenied
    reason = reason.strip()
    fields: dict[str, Any] = {}
    if locked.status == Report.Status.APPROVED:
        if not can_approve_report(actor):
            raise PermissionDenied
        if not reason:
            raise ValidationError(
                {"reason": _("Say why the approved report goes back to draft.")}, code="required"
            )
        fields = {"approved_by": None, "approved_at": None}
    elif locked.status != Report.Status.REVIEW:
        raise _wrong_status(_("Only a report in review or an approved report can be returned to draft."))
    label = f"{REASON_RETURNED}: {reason}" if reason else REASON_RETURNED
    return _transition(
        actor=actor, report=report, locked=locked, to=Report.Status.DRAFT, reason=label, fields=fields
    )


@transaction.atomic
def approve(*, actor: User, report: Report) -> Report:
    """Review -> approved (coordinators). Refused for a visit without findings or an empty summary."""
    locked = _locked_report(report)
    if not can_approve_report(actor):
        raise PermissionDenied
    if locked.status != Report.Status.REVIEW:
        raise _wrong_status(_("Only a report in group review can be approved."))
    problems: list[ValidationError] = []
    if not Finding.objects.filter(visit_id=locked.visit_id).exists():
        problems.append(
            ValidationError(
                _("The visit has no findings: record what the group found before approving the report."),
                code="no_findings",
            )
        )
    summary = ReportSection.objects.filter(report=locked, key=ReportSection.Key.SUMMARY).first()
    if summary is None or not summary.body.strip():
        problems.append(
            ValidationError(_("Write the summary before approving the report."), code="no_summary")
        )
    submitted = ReportVersion.objects.filter(report=locked, reason=REASON_SUBMITTED).order_by("-pk").first()
    if submitted is not None and submitted.created_by_id == actor.pk:
        # four eyes (issue 16): what goes to the authority is approved by someone other than the
        # person who put it up for approval, as public versions are (docs/decisions/0019)
        problems.append(
            ValidationError(
                _("You submitted this report for review: another coordinator approves it."),
                code="four_eyes",
            )
        )
    if problems:
        raise ValidationError(problems)
    return _transition(
        actor=actor,
        report=report,
        locked=locked,
        to=Report.Status.APPROVED,
        reason=REASON_APPROVED,
        fields={"approved_by": actor, "approved_at": timezone.now()},
    )


@transaction.atomic
def mark_sent(
    *,
    actor: User,
    report: Report,
    sent_on: datetime.date | None,
    sent_to: str,
    sent_reference: str = "",
    lang: str = "ru",
    also: Sequence[str] = (),
) -> Report:
    """Approved -> sent to the authority (coordinators): when, to whom, under which reference, in
    which language. What is sent is the approved version for the authority in ``lang`` (the
    release gate, docs/decisions/0020-release-gate.md): without one, nothing is recorded. Russian
    by default, the language of the NPM's correspondence with state bodies; Kazakh when chosen.
    ``also``: the other languages sent with it (Kazakh beside Russian, say), each of them needing
    its own approved version; the authority can read each."""
    locked = _locked_report(report)
    if not can_approve_report(actor):
        raise PermissionDenied
    if locked.status != Report.Status.APPROVED:
        raise _wrong_status(
            _("The report has not been approved: only an approved report can be recorded as sent.")
        )
    languages = list(dict.fromkeys([lang, *also]))
    texts = (locked.authority_release or {}).get("texts", {})
    approved_at = locked.approved_at.isoformat() if locked.approved_at else None
    for each in languages:
        entry = texts.get(each)
        if not isinstance(entry, dict):
            raise ValidationError(
                _(
                    "There is no approved version for the authority in this language (%(lang)s): "
                    "prepare it, have a second person approve it, then record the report as sent."
                )
                % {"lang": each},
                code="no_release",
            )
        if entry.get("report_approved_at") != approved_at:
            raise ValidationError(
                _(
                    "The report was approved again after its version for the authority was approved: "
                    "prepare the version for the authority again from the report as it is now."
                ),
                code="stale_release",
            )
    entry = texts[lang]
    errors: dict[str, list[str]] = {}
    sent_to, sent_reference = sent_to.strip(), sent_reference.strip()
    if sent_on is None:
        errors["sent_on"] = [_("Give the date the report was sent.")]
    elif sent_on > timezone.localdate():
        errors["sent_on"] = [_("The date the report was sent cannot be in the future.")]
    if not sent_to:
        errors["sent_to"] = [_("Say to whom the report was sent.")]
    if errors:
        raise ValidationError(errors)
    assert sent_on is not None
    stored = dict(locked.authority_release)
    stored["sent"] = {
        "lang": lang,
        "release": entry.get("release"),
        "sent_on": sent_on.isoformat(),
        "also": {each: texts[each].get("release") for each in languages[1:]},
    }
    # Stored by an UPDATE, not through _transition: the audit log records which release was sent,
    # not the whole text again.
    Report.objects.filter(pk=locked.pk).update(authority_release=stored)
    locked.authority_release = report.authority_release = stored
    return _transition(
        actor=actor,
        report=report,
        locked=locked,
        to=Report.Status.SENT,
        reason=REASON_SENT,
        fields={"sent_on": sent_on, "sent_to": sent_to[:300], "sent_reference": sent_reference[:120]},
        extra={
            "sent_release": entry.get("release"),
            "lang": lang,
            "also": {each: texts[each].get("release") for each in languages[1:]},
        },
    )


@transaction.atomic
def comment_add(*, actor: User, section: ReportSection, body: str) -> ReportComment:
    """A comment on a section (team and coordinators, while the report is a draft or in review)."""
    report = _locked_report(section.report)
    _require_editor(actor, report)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write the comment.")}, code="required")
    comment = ReportComment.objects.create(section=section, author=actor, body=body)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=comment,
        changes={"report": report.pk, "section": section.key},
    )
    return comment


@transaction.atomic
def comment_resolve(*, actor: User, comment: ReportComment) -> ReportComment:
    """Mark a comment as dealt with (team and coordinators, while the report is editable)."""
    report = _locked_report(comment.section.report)
    _require_editor(actor, report)
    locked = ReportComment.objects.select_for_update().get(pk=comment.pk)
    if locked.resolved_at is not None:
        raise ValidationError(_("The comment has already been resolved."), code="resolved")
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.save(update_fields=["resolved_at", "resolved_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"resolved_at": locked.resolved_at, "resolved_by": actor.pk},
    )
    comment.resolved_at, comment.resolved_by = locked.resolved_at, actor
    return locked
