"""Who sees which device credentials: one's own; every user's for ``accounts.manage``."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, active_user, can
from dozor.accounts.devices.models import Device
from dozor.accounts.models import User


def devices_visible_to(user: AnyUser) -> QuerySet[Device]:
    staff = active_user(user)
    if staff is None:
        return Device.objects.none()
    if can(staff, "accounts.manage"):
        return Device.objects.all()
    return Device.objects.filter(user=staff)


def device_for_user(user: AnyUser, pk: int | str) -> Device:
    """One device the user may see (and so revoke), else 404."""
    try:
        device: Device = devices_visible_to(user).select_related("user").get(pk=pk)
    except (Device.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    return device


def devices_of(*, viewer: AnyUser, user: User) -> list[Device]:
    """The devices of ``user`` that ``viewer`` may see, newest first, with who revoked them."""
    return list(devices_visible_to(viewer).filter(user=user).select_related("revoked_by", "created_by"))
