from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import User
from dozor.accounts.signin import services


def current_code(device: TOTPDevice) -> str:
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # allow the same time step again
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_start(user=user)
    return services.totp_device_confirm(user=user, code=current_code(device))
