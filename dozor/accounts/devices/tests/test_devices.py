"""Device credentials for ODK Collect: the console contract, the pages, who may revoke what."""

from __future__ import annotations

import base64
import io
import json
import zlib

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client

from dozor.accounts.devices.models import Device
from dozor.accounts.devices.services import collect_settings, device_add, device_authenticate, device_revoke
from dozor.accounts.models import AuditEvent, User


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("devices", *args, stdout=out)
    return out.getvalue()


def test_devices_add_json_prints_exactly_the_contract(monitor: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_SITE_URL = "https://npm.example.kz"

    printed = json.loads(run("add", monitor.username, "--label", "Samsung A15", "--json"))

    assert list(printed) == ["server_url", "username", "password"]
    assert printed["server_url"] == "https://npm.example.kz/openrosa/"
    device = Device.objects.get(username=printed["username"])
    assert device.user == monitor and device.label == "Samsung A15"
    # Stored only as a hash, and that hash opens with the printed password.
    assert printed["password"] not in device.password
    assert check_password(printed["password"], device.password)
    assert device_authenticate(username=printed["username"], password=printed["password"]) == device
    assert AuditEvent.objects.filter(object_type="accounts.device", object_id=str(device.pk)).exists()


def test_devices_add_without_a_site_url_uses_localhost(monitor: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_SITE_URL = ""
    assert (
        json.loads(run("add", monitor.username, "--json"))["server_url"] == "http://localhost:8000/openrosa/"
    )


def test_devices_add_refuses_a_user_who_does_not_record(liaison: User) -> None:
    with pytest.raises(CommandError):
        run("add", liaison.username, "--json")
    assert not Device.objects.exists()


def test_devices_list_and_revoke(monitor: User) -> None:
    new = device_add(actor=None, user=monitor, label="tablet")
    assert new.device.username in run("list", monitor.username)

    assert "revoked" in run("revoke", new.device.username)

    assert device_authenticate(username=new.device.username, password=new.password) is None
    assert "already revoked" in run("revoke", new.device.username)


def test_the_settings_qr_payload_is_collects_format(monitor: User) -> None:
    new = device_add(actor=monitor, user=monitor)
    payload = json.loads(zlib.decompress(base64.b64decode(collect_settings(new))))
    assert payload == {
        "general": {"server_url": new.server_url, "username": new.device.username, "password": new.password},
        "admin": {},
        "project": {"name": "Dozor"},
    }


def test_a_monitor_adds_a_device_and_sees_the_password_and_qr_once(as_monitor: Client, monitor: User) -> None:
    response = as_monitor.post("/accounts/devices/", {"label": "Bob's phone"})

    assert response.status_code == 200
    device = Device.objects.get(user=monitor)
    page = response.content.decode()
    assert 'data-testid="device-qr"' in page and "<svg" in page
    assert response.context["new"].password in page
    again = as_monitor.get("/accounts/devices/").content.decode()
    assert device.username in again and response.context["new"].password not in again


def test_a_monitor_revokes_their_own_device_but_not_anothers(
    as_monitor: Client, monitor: User, coordinator: User
) -> None:
    own = device_add(actor=monitor, user=monitor).device
    others = device_add(actor=coordinator, user=coordinator).device

    assert as_monitor.post(f"/accounts/devices/{others.pk}/revoke/").status_code == 404
    assert as_monitor.post(f"/accounts/devices/{own.pk}/revoke/").status_code == 302

    own.refresh_from_db()
    others.refresh_from_db()
    assert own.revoked_at is not None and own.revoked_by == monitor
    assert others.revoked_at is None


def test_a_coordinator_lists_and_revokes_a_monitors_devices(
    as_coordinator: Client, coordinator: User, monitor: User
) -> None:
    device = device_add(actor=monitor, user=monitor, label="Bob's phone").device
    page = as_coordinator.get(f"/accounts/users/{monitor.pk}/")
    assert device.username in page.content.decode()

    response = as_coordinator.post(
        f"/accounts/devices/{device.pk}/revoke/", {"next": f"/accounts/users/{monitor.pk}/"}
    )

    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{monitor.pk}/"
    device.refresh_from_db()
    assert device.revoked_by == coordinator


def test_the_devices_page_is_for_those_who_record(as_liaison: Client, anonymous: Client) -> None:
    assert as_liaison.get("/accounts/devices/").status_code == 403
    assert anonymous.get("/accounts/devices/").status_code == 302


def test_revoking_twice_writes_once(monitor: User) -> None:
    device = device_add(actor=monitor, user=monitor).device
    assert device_revoke(actor=monitor, device=device) is True
    before = AuditEvent.objects.count()
    assert device_revoke(actor=monitor, device=device) is False
    assert AuditEvent.objects.count() == before


def test_a_checked_password_is_remembered_but_revocation_and_wrong_passwords_still_count(
    monitor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collect authenticates every request: after the first Argon2 check the next ones are
    answered from a keyed fingerprint in the cache - never for another password, never for a
    revoked device."""
    from dozor.accounts.devices import services

    new = device_add(actor=monitor, user=monitor)
    assert device_authenticate(username=new.device.username, password=new.password) is not None
    checks: list[str] = []
    real_check = services.check_password

    def counting(password: str, encoded: str) -> bool:
        checks.append(password)
        return real_check(password, encoded)

    monkeypatch.setattr(services, "check_password", counting)
    assert device_authenticate(username=new.device.username, password=new.password) is not None
    assert checks == []  # remembered
    assert device_authenticate(username=new.device.username, password=new.password + "x") is None
    assert checks == [new.password + "x"]  # a wrong password is always checked, and refused
    device_revoke(actor=monitor, device=new.device)
    assert device_authenticate(username=new.device.username, password=new.password) is None
