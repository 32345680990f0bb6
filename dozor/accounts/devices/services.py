"""Writes for device credentials: add one (its password is shown once), revoke one, and check one.

The password is generated here and stored only as a Django password hash (the project's hashers,
Argon2 first); nobody can read it back. A device of a deactivated user, or a revoked device, never
authenticates (docs/decisions/0026-openrosa-server.md).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user, can
from dozor.accounts.audit import audit_record
from dozor.accounts.devices.models import Device
from dozor.accounts.models import AuditEvent, User

LABEL_MAX = 100
# Writing last_used_at on every request of a sync would make each one a write: once a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
# A password checked once is remembered for a while (a keyed fingerprint in the cache, never the
# password): Collect authenticates every request (HEAD, then POST, for each submission) and an
# Argon2 check costs a quarter of a second of a core. Revocation still takes effect at once: the
# device row is read on every request.
VERIFIED_SECONDS = 10 * 60
# Used when DOZOR_SITE_URL is empty (a development machine): Django's runserver default.
DEFAULT_SITE_URL = "http://localhost:8000"


@dataclass(frozen=True)
class NewDevice:
    """A device just added, with the only copy of its password in clear."""

    device: Device
    password: str
    server_url: str

    def as_json(self) -> dict[str, str]:
        return {"server_url": self.server_url, "username": self.device.username, "password": self.password}


def openrosa_server_url() -> str:
    """The server URL to give ODK Collect: ``<site>/openrosa/``."""
    site = (settings.DOZOR_SITE_URL or DEFAULT_SITE_URL).rstrip("/")
    return f"{site}/openrosa/"


def collect_settings(new: NewDevice) -> str:
    """ODK Collect's settings QR payload: the settings JSON, zlib-compressed, then base64."""
    payload = {
        "general": {
            "server_url": new.server_url,
            "username": new.device.username,
            "password": new.password,
        },
        "admin": {},
        "project": {"name": "Dozor"},
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"))).decode("ascii")


def _may_manage(actor: User, user: User) -> bool:
    return actor.pk == user.pk or can(actor, "accounts.manage")


def _new_username() -> str:
    # ASCII only: ODK Collect's HTTP client sends Basic credentials in ISO-8859-1.
    while True:
        username = f"dev-{secrets.token_hex(5)}"
        if not Device.objects.filter(username=username).exists():
            return username


@transaction.atomic
def device_add(*, actor: User | None, user: User, label: str = "") -> NewDevice:
    """Add a device credential for ``user`` (the user themself, or a coordinator for anyone; ``actor``
    None: the console, ``dozor devices add``) who records checklists. Returns the device with its
    password, which is never shown again."""
    if actor is not None and (active_user(actor) is None or not _may_manage(actor, user)):
        raise PermissionDenied
    if not user.is_active or not can(user, "visits.record"):
        raise ValidationError(
            _("%(user)s does not record checklists (inactive or wrong role): no device can be added.")
            % {"user": user.get_username()}
        )
    label = label.strip()
    if len(label) > LABEL_MAX:
        raise ValidationError({"label": [_("The label is longer than 100 characters.")]})
    password = secrets.token_urlsafe(18)
    device = Device.objects.create(
        user=user,
        label=label,
        username=_new_username(),
        password=make_password(password),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=device,
        changes={"user": user.pk, "username": device.username, "label": label, "password": "***"},
    )
    return NewDevice(device=device, password=password, server_url=openrosa_server_url())


@transaction.atomic
def device_revoke(*, actor: User | None, device: Device) -> bool:
    """Revoke a device at once. ``actor`` None: the console (``dozor devices revoke``). Returns
    False when it was already revoked (nothing written)."""
    if actor is not None and (active_user(actor) is None or not _may_manage(actor, device.user)):
        raise PermissionDenied
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    device.revoked_at, device.revoked_by = locked.revoked_at, actor
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"revoked_at": {"before": None, "after": locked.revoked_at}},
    )
    return True


def _verified_key(device: Device, password: str) -> str:
    """The cache key saying that ``password`` matched ``device``'s stored hash: bound to the hash
    (a new password invalidates it) and keyed with the secret key (the cache cannot be used to
    test passwords)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{device.pk}|{device.password}|{password}".encode(), hashlib.sha256
    ).hexdigest()
    return f"dozor:device-verified:{digest}"


def device_authenticate(*, username: str, password: str) -> Device | None:
    """The active device with these credentials, whose user is active, else None.

    An unknown user name costs a password hash too, so that timing does not tell which exist."""
    device = (
        Device.objects.select_related("user").filter(username=username, revoked_at__isnull=True).first()
        if username
        else None
    )
    if device is None:
        make_password(password)
        return None
    verified = _verified_key(device, password)
    if not cache.get(verified):
        if not check_password(password, device.password):
            return None
        cache.set(verified, True, VERIFIED_SECONDS)
    if active_user(device.user) is None:
        return None
    now = timezone.now()
    if device.last_used_at is None or now - device.last_used_at >= LAST_USED_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now
    return device
