"""Personas for the OpenRosa server: Bob (monitor) is on the team of ``visit``; ``other_visit`` is an
unannounced visit of another group, not yet begun (secret); Bob's phone has a device credential."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from dozor.accounts.devices.services import NewDevice, device_add
from dozor.accounts.models import User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import TemplateVersion
from dozor.visits.models import TeamMember, Visit
from dozor.visits.openrosa.tests.collect import EmulatedCollect
from dozor.visits.services import team_member_add, visit_create


@pytest.fixture(autouse=True)
def _plain_forms_and_media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The plain path; encrypted submissions are tested with the encryption module.
    settings.DOZOR_FORM_ENCRYPTION = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOZOR_SITE_URL = "https://npm.example.kz"


@pytest.fixture
def team_visit(visit: Visit, coordinator: User, monitor: User) -> Visit:
    team_member_add(actor=coordinator, visit=visit, user=monitor, role=TeamMember.Role.MEMBER)
    return visit


@pytest.fixture
def other_visit(coordinator: User, small_version: TemplateVersion) -> Visit:
    """An unannounced visit of another group (Alice's own team), starting next week: secret."""
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=timezone.localdate() + datetime.timedelta(days=7),
        template_version=small_version,
        announced=False,
        team=[],
    )


@pytest.fixture
def bob_device(monitor: User) -> NewDevice:
    return device_add(actor=monitor, user=monitor, label="Bob's phone")


@pytest.fixture
def collect(bob_device: NewDevice) -> EmulatedCollect:
    # CSRF is enforced as for a browser: the OpenRosa views must be exempt, and only they.
    return EmulatedCollect(
        bob_device.server_url,
        bob_device.device.username,
        bob_device.password,
        client=Client(enforce_csrf_checks=True),
    )
