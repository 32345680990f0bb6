"""Who sees and does what in publishing (docs/permissions.md).

- Coordinators redact, approve (never their own redaction), publish and withdraw, and keep the
  media register; council members may approve a redaction made by someone else and read everything
  here; monitors, liaisons and trainers see nothing of the redaction work.
- Anonymous visitors (and everyone) see only published public versions - through
  ``published_reports`` - and never the internal text or the removed spans.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, active_user, can
from dozor.core.jobs.models import Job
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport


def is_publishing_staff(user: AnyUser) -> bool:
    """Coordinators and council members: the only people who see the redaction work."""
    return can(user, "publishing.view")


def can_redact(user: AnyUser) -> bool:
    """Start a public version, redact it and submit it for approval."""
    return can(user, "publishing.redact")


def can_review(user: AnyUser) -> bool:
    """Approve a submitted public version (``can_approve``) or send it back to redaction."""
    return can(user, "publishing.approve")


def can_publish(user: AnyUser) -> bool:
    """Publish an approved public version and withdraw a published one."""
    return can(user, "publishing.publish")


def can_approve(user: AnyUser, public_report: PublicReport) -> bool:
    staff = active_user(user)
    if staff is None or not can_review(staff):
        return False
    return public_report.editor_id is not None and public_report.editor_id != staff.pk


def public_reports_visible_to(user: AnyUser) -> QuerySet[PublicReport]:
    """The redaction work (internal): coordinators and council members."""
    if is_publishing_staff(user):
        return PublicReport.objects.all()
    return PublicReport.objects.none()


def published_reports() -> QuerySet[PublicReport]:
    """What the public portal shows, to everyone."""
    return PublicReport.objects.filter(status=PublicReport.Status.PUBLISHED)


def media_contacts_visible_to(user: AnyUser) -> QuerySet[MediaContact]:
    return MediaContact.objects.all() if can_manage_media(user) else MediaContact.objects.none()


# --- media work (dozor/publishing/media/services.py) -------------------------------------------------------
# Contacts and the interaction log hold journalists' personal data: coordinators only (above and
# below). Press releases are public-facing texts drafted from published reports: council members
# read them, coordinators write them.


def can_manage_media(user: AnyUser) -> bool:
    return can(user, "media.manage")


def can_read_press_releases(user: AnyUser) -> bool:
    return can(user, "media.view")


def can_read_annual_report(user: AnyUser) -> bool:
    return can(user, "annual.view")


def annual_jobs_visible_to(user: AnyUser) -> QuerySet[Job]:
    """The annual-report PDFs being prepared or ready: each for the person who asked for it."""
    staff = active_user(user)
    if staff is None or not can_read_annual_report(staff):
        return Job.objects.none()
    return Job.objects.filter(kind=Job.Kind.ANNUAL_REPORT, owner=staff)


def annual_job_for_user(user: AnyUser, pk: int | str) -> Job:
    try:
        return annual_jobs_visible_to(user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def press_releases_visible_to(user: AnyUser) -> QuerySet[PressRelease]:
    return PressRelease.objects.all() if can_read_press_releases(user) else PressRelease.objects.none()


def media_interactions_visible_to(user: AnyUser) -> QuerySet[MediaInteraction]:
    return MediaInteraction.objects.all() if can_manage_media(user) else MediaInteraction.objects.none()
