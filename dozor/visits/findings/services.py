"""Writes to a visit's findings, the urgent-action procedure and referrals to the prosecutor.

Rules (docs/domain.md, sections 3 and 5):

- Who: coordinators and the monitors on the visit's team record and change findings
  (``dozor.visits.access.can_record``); only coordinators record referrals (``visits.manage``).
- Sources: every finding names at least one source. A **critical or serious** finding must be
  cross-checked: it needs at least two *different* sources (for example detainees and documents,
  or own observation and staff). Own observation alone is not enough for them either: the most
  serious findings go into reports and referrals and must stand up to the authority's reply.
  Moderate findings and positive practice may rest on one source. A positive practice cannot
  be marked as possible ill-treatment.
- Links: checklist answers must come from the visit's own submissions and evidence from the
  visit's own files; provisions are any provisions of the standards library (a finding under one
  theme may cite a provision filed under another, e.g. a treatment finding citing a safeguard).
- Urgent action: the first time a finding is marked as possible torture or ill-treatment (on
  creation or on a later change) an e-mail to every active coordinator with an e-mail address, in
  their preferred language, is put in the outbox (``dozor.core.outbox``) in the same transaction
  as the finding, and an audit event records to whom it is going. The task ``urgent_alerts_deliver``
  sends them after the commit, so no e-mail announces a finding that was not saved. Only when the
  mail server has accepted an e-mail is the coordinator "notified": ``urgent_notified_at`` is set
  (by the first accepted e-mail) and an audit event names the coordinator
  (``urgent_alert_accepted``). A refused e-mail stays in the outbox and is retried with back-off;
  after several failures the coordinators see it as failing. This happens once per finding:
  later edits, or clearing and setting the mark again, queue nothing new. The e-mails name the
  place, the visit date and the finding's title only - never its description, which may contain
  interview details.
- Referrals: only for findings marked as possible ill-treatment, and only with the person's
  informed consent (do no harm, OPCAT art. 21); without it nothing is written.

Every function is keyword-only, checks the actor's rights, validates everything (reporting every
problem at once) before writing, runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.accounts.access import require, users_with
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue, notifications_about
from dozor.core.revisions import revision_check, revision_claim
from dozor.standards.models import Provision, Theme
from dozor.visits.access import can_record
from dozor.visits.interviews.consent import allows
from dozor.visits.models import Answer, Consent, Evidence, Finding, Interview, Referral, Submission, Visit

# Severities whose findings must be confirmed by at least two different sources.
CROSS_CHECKED = frozenset({Finding.Severity.CRITICAL, Finding.Severity.SERIOUS})


@dataclass(frozen=True)
class _Links:
    provisions: list[int]
    answers: list[int]
    evidence: list[int]


def _ids(items: Iterable[models.Model | int | str]) -> list[int]:
    """Primary keys of model instances or ids (as numbers or text), in order, without repeats."""
    result: list[int] = []
    for item in items:
        pk = item.pk if isinstance(item, models.Model) else item
        try:
            value = int(pk)
        except (TypeError, ValueError):
            value = -1  # reported as unknown below
        if value not in result:
            result.append(value)
    return result


def _check(
    *,
    visit: Visit,
    theme: Theme | None,
    severity: str,
    title: str,
    description: str,
    sources: list[str],
    provisions: Iterable[Provision | int],
    answers: Iterable[Answer | int],
    evidence: Iterable[Evidence | int],
    possible_ill_treatment: bool,
) -> _Links:
    """Every problem with a finding's values, raised together; otherwise the links' ids."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if theme is None:
        add("theme", _("Choose the theme of the finding."))
    if severity not in Finding.Severity.values:
        add("severity", _("Choose the severity of the finding."))
    if possible_ill_treatment and severity == Finding.Severity.POSITIVE:
        add(
            "possible_ill_treatment",
            _("A positive practice cannot point to ill-treatment; choose another severity."),
        )
    if not title:
        add("title", _("Give the finding a title."))
    if not description:
        add("description", _("Describe what was found."))
    unknown_sources = [s for s in sources if s not in Finding.Source.values]
    if unknown_sources:
        add("sources", _("Unknown source: %(sources)s.") % {"sources": ", ".join(unknown_sources)})
    if not sources:
        add("sources", _("Name at least one source of the finding."))
    elif severity in CROSS_CHECKED and len(set(sources)) < 2:
        add(
            "sources",
            _(
                "A critical or serious finding must be cross-checked: name at least two different "
                "sources (for example detainees and documents, or own observation and staff)."
            ),
        )

    links = _Links(provisions=_ids(provisions), answers=_ids(answers), evidence=_ids(evidence))
    known = set(Provision.objects.filter(pk__in=links.provisions).values_list("pk", flat=True))
    if len(known) != len(links.provisions):
        add("provisions", _("Some of the chosen provisions do not exist."))
    own = set(
        Answer.objects.filter(
            pk__in=links.answers, submission__visit=visit, submission__status=Submission.Status.FINAL
        ).values_list("pk", flat=True)
    )
    if len(own) != len(links.answers):
        add("answers", _("Only answers from this visit's checklists can support its findings."))
    own = set(Evidence.objects.filter(pk__in=links.evidence, visit=visit).values_list("pk", flat=True))
    if len(own) != len(links.evidence):
        add("evidence", _("Only evidence collected on this visit can support its findings."))
    if errors:
        raise ValidationError(errors)
    return links


def _links_snapshot(finding: Finding) -> dict[str, Any]:
    return {
        "provisions": sorted(finding.provisions.values_list("pk", flat=True)),
        "answers": sorted(finding.answers.values_list("pk", flat=True)),
        "evidence": sorted(finding.evidence.values_list("pk", flat=True)),
    }


def _set_links(finding: Finding, links: _Links) -> None:
    finding.provisions.set(links.provisions)
    finding.answers.set(links.answers)
    finding.evidence.set(links.evidence)


def _clean_sources(sources: Iterable[str]) -> list[str]:
    """Sources in the order of ``Finding.Source`` (unknown ones kept so that they are reported)."""
    given = list(dict.fromkeys(str(s) for s in sources))
    order = {value: index for index, value in enumerate(Finding.Source.values)}
    return sorted(given, key=lambda s: order.get(s, len(order)))


@transaction.atomic
def finding_create(
    *,
    actor: User,
    visit: Visit,
    theme: Theme,
    severity: str,
    title: str,
    description: str,
    sources: Iterable[str],
    location: str = "",
    provisions: Iterable[Provision | int] = (),
    answers: Iterable[Answer | int] = (),
    evidence: Iterable[Evidence | int] = (),
    possible_ill_treatment: bool = False,
    sensitive: bool = False,
) -> Finding:
    if not can_record(actor, visit):
        raise PermissionDenied
    title, location, description = title.strip(), location.strip(), description.strip()
    clean = _clean_sources(sources)
    links = _check(
        visit=visit,
        theme=theme,
        severity=severity,
        title=title,
        description=description,
        sources=clean,
        provisions=provisions,
        answers=answers,
        evidence=evidence,
        possible_ill_treatment=possible_ill_treatment,
    )
    finding = Finding.objects.create(
        visit=visit,
        theme=theme,
        severity=severity,
        title=title,
        location=location,
        description=description,
        sources=clean,
        possible_ill_treatment=possible_ill_treatment,
        sensitive=sensitive,
        created_by=actor,
    )
    _set_links(finding, links)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=finding,
        changes={**snapshot(finding), **_links_snapshot(finding)},
    )
    _urgent_procedure(actor=actor, finding=finding)
    return finding


@transaction.atomic
def finding_update(
    *,
    actor: User,
    finding: Finding,
    theme: Theme,
    severity: str,
    title: str,
    description: str,
    sources: Iterable[str],
    location: str = "",
    provisions: Iterable[Provision | int] = (),
    answers: Iterable[Answer | int] = (),
    evidence: Iterable[Evidence | int] = (),
    possible_ill_treatment: bool = False,
    base_revision: int | None = None,
    sensitive: bool | None = None,
) -> Finding:
    """Replace a finding's values and links. The row is re-read under a lock so that two edits
    marking it urgent at the same moment notify the coordinators once. ``base_revision`` is the
    revision the editor loaded: a finding saved by somebody else since raises ``StaleRevision``
    and changes nothing."""
    if not can_record(actor, finding.visit):
        raise PermissionDenied
    current = Finding.objects.select_for_update().select_related("visit__facility").get(pk=finding.pk)
    revision_check(current, base_revision=base_revision)
    title, location, description = title.strip(), location.strip(), description.strip()
    clean = _clean_sources(sources)
    links = _check(
        visit=current.visit,
        theme=theme,
        severity=severity,
        title=title,
        description=description,
        sources=clean,
        provisions=provisions,
        answers=answers,
        evidence=evidence,
        possible_ill_treatment=possible_ill_treatment,
    )
    before = {**snapshot(current), **_links_snapshot(current)}
    current.theme = theme
    current.severity = severity
    current.title = title
    current.location = location
    current.description = description
    current.sources = clean
    current.possible_ill_treatment = possible_ill_treatment
    if sensitive is not None:  # None: left as it is (callers that do not know the mark)
        current.sensitive = sensitive
    current.save(
        update_fields=[
            "theme",
            "severity",
            "title",
            "location",
            "description",
            "sources",
            "possible_ill_treatment",
            "sensitive",
            "updated_at",
        ]
    )
    _set_links(current, links)
    after = {**snapshot(current), **_links_snapshot(current)}
    after["updated_at"] = before["updated_at"]  # not a change anyone made
    changes = diff(before, after)
    if changes:
        revision_claim(current, base_revision=base_revision)
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=current, changes=changes)
    _urgent_procedure(actor=actor, finding=current)
    return current


# --- the urgent-action procedure ----------------------------------------------------------------


def urgent_recipients() -> list[User]:
    """Every active coordinator (``visits.urgent_alerts``) with an e-mail address."""
    return list(
        users_with("visits.urgent_alerts").exclude(email="").order_by("last_name", "first_name", "pk")
    )


def _urgent_message(finding: Finding, language: str) -> tuple[str, str]:
    """Subject and body in ``language``: place, visit date and title only (no interview details)."""
    visit = finding.visit
    with translation.override(language):
        values = {
            "facility": visit.facility.name,
            "date": f"{visit.started_on:%Y-%m-%d}",
            "title": finding.title,
            "link": reverse("visits:finding_detail", args=[finding.pk]),
        }
        subject = _("Urgent: possible ill-treatment at %(facility)s") % values
        body = (
            _(
                "A finding recorded during the visit to %(facility)s on %(date)s points to possible "
                "torture or ill-treatment:\n\n%(title)s\n\n"
                "Please open the finding in Dozor and decide on urgent action: %(link)s"
            )
            % values
        )
    return subject, body


def _urgent_procedure(*, actor: User, finding: Finding) -> None:
    """Queue the alerts the first time the finding is marked as possible ill-treatment."""
    if not finding.possible_ill_treatment or finding.urgent_notified_at is not None:
        return
    if notifications_about(finding).exists():
        return  # queued before: being delivered or retried
    recipients = urgent_recipients()
    default = settings.LANGUAGE_CODE
    for user in recipients:
        subject, body = _urgent_message(finding, user.preferred_language or default)
        notification_queue(
            kind=Notification.Kind.URGENT_FINDING,
            recipient=user,
            address=user.email,
            subject=subject,
            body=body,
            topic=finding,
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=finding,
        changes={"urgent_alert_queued": [user.pk for user in recipients]},
    )
    if recipients:
        from dozor.visits.findings.tasks import urgent_alerts_deliver  # the task module imports this one

        # In this transaction: with the database backend the task is saved with the finding, so it
        # cannot be lost, and the worker sees it only once both are committed.
        urgent_alerts_deliver.enqueue()


def finding_urgent_notified(notification: Notification) -> None:
    """Record that the mail server accepted an urgent alert: the coordinator is notified.

    Called by the outbox inside the transaction that marks the e-mail sent
    (``urgent_alerts_deliver``); the first accepted alert sets ``urgent_notified_at``."""
    finding = (
        Finding.objects.select_for_update().filter(pk=notification.topic_id).first()
        if notification.topic_id is not None
        else None
    )
    if finding is None:  # the finding was deleted meanwhile: the e-mail's own row is the record
        return
    changes: dict[str, Any] = {
        "urgent_alert_accepted": notification.recipient_id,
        "notification": notification.pk,
    }
    if finding.urgent_notified_at is None:
        finding.urgent_notified_at = notification.sent_at
        finding.save(update_fields=["urgent_notified_at"])
        changes["urgent_notified_at"] = finding.urgent_notified_at
    audit_record(actor=None, action=AuditEvent.Action.UPDATE, obj=finding, changes=changes)


# --- referrals ----------------------------------------------------------------------------------


@transaction.atomic
def referral_record(
    *,
    actor: User,
    finding: Finding,
    referred_on: datetime.date,
    addressee: str,
    reference: str = "",
    consent_given: bool,
    note: str = "",
    interview: Interview | None = None,
) -> Referral:
    """Record that a possible case of ill-treatment was referred (to the prosecutor, usually).

    When the referral rests on what an interviewed person said (``interview``), that person's
    consent record for a referral to the prosecutor must be in force (docs/decisions/0021)."""
    require(actor, "visits.manage")
    addressee, reference, note = addressee.strip(), reference.strip(), note.strip()
    errors: dict[str, list[str]] = {}
    if not finding.possible_ill_treatment:
        errors.setdefault("__all__", []).append(
            _("Only a finding marked as possible torture or ill-treatment can be referred.")
        )
    if not consent_given:
        errors.setdefault("consent_given", []).append(_("A referral needs the person's informed consent."))
    if interview is not None:
        if interview.visit_id != finding.visit_id:
            errors.setdefault("interview", []).append(_("Choose an interview of this visit."))
        elif not allows(interview, Consent.Use.REFERRAL_PROSECUTOR):
            errors.setdefault("interview", []).append(
                _(
                    "This person's consent to a referral to the prosecutor is not on record (or was "
                    "withdrawn): record it on the interview page first."
                )
            )
    if not addressee:
        errors.setdefault("addressee", []).append(_("Name the body the case was referred to."))
    if referred_on > timezone.localdate():
        errors.setdefault("referred_on", []).append(_("The referral date cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        finding=finding,
        referred_on=referred_on,
        addressee=addressee,
        reference=reference,
        consent_given=True,
        interview=interview,
        note=note,
        created_by=actor,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=referral, changes=snapshot(referral))
    return referral
