"""Who sees and does what in publishing (docs/permissions.md).

- Coordinators redact, approve (never their own redaction), publish and withdraw, and keep the
  media register; council members may approve a redaction made by someone else and read everything
  here; monitors, liaisons and trainers see nothing of the redaction work.
- Anonymous visitors (and everyone) see only published public versions - through
  ``published_reports`` - and never the internal text or the removed spans.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dozor.accounts.access import active_user, can
from dozor.accounts.models import Role
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport


def can_redact(user: Any) -> bool:
    return can(user, "visits.manage")


def can_approve(user: Any, public_report: PublicReport) -> bool:
    staff = active_user(user)
    if staff is None or staff.role not in (Role.COORDINATOR, Role.COUNCIL):
        return False
    return public_report.editor_id is not None and public_report.editor_id != staff.pk


def public_reports_visible_to(user: Any) -> QuerySet[PublicReport]:
    """The redaction work (internal): coordinators and council members."""
    staff = active_user(user)
    if staff is not None and staff.role in (Role.COORDINATOR, Role.COUNCIL):
        return PublicReport.objects.all()
    return PublicReport.objects.none()


def published_reports() -> QuerySet[PublicReport]:
    """What the public portal shows, to everyone."""
    return PublicReport.objects.filter(status=PublicReport.Status.PUBLISHED)


def media_contacts_visible_to(user: Any) -> QuerySet[MediaContact]:
    return MediaContact.objects.all() if can(user, "visits.manage") else MediaContact.objects.none()


# --- media work (dozor/publishing/media/services.py) -------------------------------------------------------
# Contacts and the interaction log hold journalists' personal data: coordinators only (above and
# below). Press releases are public-facing texts drafted from published reports: council members
# read them, coordinators write them.


def can_manage_media(user: Any) -> bool:
    return can(user, "visits.manage")


def can_read_press_releases(user: Any) -> bool:
    staff = active_user(user)
    return staff is not None and staff.role in (Role.COORDINATOR, Role.COUNCIL)


def press_releases_visible_to(user: Any) -> QuerySet[PressRelease]:
    return PressRelease.objects.all() if can_read_press_releases(user) else PressRelease.objects.none()


def media_interactions_visible_to(user: Any) -> QuerySet[MediaInteraction]:
    return MediaInteraction.objects.all() if can_manage_media(user) else MediaInteraction.objects.none()
