"""Writes of the second factor: TOTP enrolment, recovery codes, checking a code (django-otp)."""

from __future__ import annotations

import re
from base64 import b32encode

import django_otp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User

RECOVERY_CODES = 10
TOTP_NAME = "TOTP"
RECOVERY_NAME = "recovery"
TOTP_CODE = re.compile(r"\d{6}")


def totp_secret(device: TOTPDevice) -> str:
    """The shared secret as an authenticator app asks for it: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same one until it is confirmed, so reloading the
    page keeps the secret the person may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being enrolled with a code it shows; returns it and new recovery codes."""
    if totp_device_confirmed(user) is not None:
        raise ValidationError(_("You already have an authenticator app. Remove it first to enrol another."))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise ValidationError(_("The enrolment has expired: scan the new code and try again."))
    code = "".join(code.split())
    if not TOTP_CODE.fullmatch(code) or not device.verify_token(code):
        raise ValidationError(
            _("The code is wrong. Check the time on your phone and enter the current code.")
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        obj=user,
        object_repr=user.username,
        changes={"second_factor": {"before": None, "after": "totp"}},
    )
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes (the old ones stop working); only for a user with an authenticator app."""
    if totp_device_confirmed(user) is None:
        raise ValidationError(_("Enrol an authenticator app first."))
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        object_repr=user.username,
        changes={"recovery_codes": {"before": "***", "after": "regenerated"}},
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def totp_device_remove(*, user: User) -> None:
    """Remove the user's authenticator app and recovery codes (the user's own decision)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action=AuditEvent.Action.DELETE,
        obj=user,
        object_repr=user.username,
        changes={"second_factor": {"before": "totp", "after": None}},
    )


def otp_check(*, user: User, code: str, ip_address: str | None = None) -> Device:
    """The device that accepts ``code``: six digits are an authenticator code, anything else a
    recovery code (used up). django-otp slows down repeated failures per device; a refusal is
    audited as a failed sign-in and raises ValidationError."""
    code = "".join(code.split()).lower()
    if TOTP_CODE.fullmatch(code):
        devices: list[Device] = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            raise ValidationError(_("Too many wrong codes: wait a moment and try again."))
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        obj=user,
        object_repr=user.username,
        changes={"second_factor": {"before": None, "after": "wrong code"}},
        ip_address=ip_address,
    )
    raise ValidationError(_("The code is wrong."))
