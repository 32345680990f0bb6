"""HTTP Basic with a device credential: the challenge, the lockout shared with the sign-in page."""

from __future__ import annotations

import base64

from django.conf import settings
from django.test import Client

from dozor.accounts.devices.services import device_add
from dozor.accounts.models import AuditEvent, User


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-OpenRosa-Version": "1.0"}


def test_without_credentials_it_challenges_for_basic(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().head("/openrosa/submission")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Dozor", charset="UTF-8"'
    assert response["X-OpenRosa-Version"] == "1.0"


def test_a_device_is_locked_out_after_repeated_failures_and_they_are_audited(monitor: User) -> None:
    new = device_add(actor=monitor, user=monitor)
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert client.get("/openrosa/formList", headers=basic(new.device.username, "wrong")).status_code in (
            401,
            429,
        )

    response = client.get("/openrosa/formList", headers=basic(new.device.username, new.password))

    assert response.status_code == 429
    assert b"OpenRosaResponse" in response.content
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count()
        >= settings.AXES_FAILURE_LIMIT
    )


def test_the_right_credentials_open_the_submission_endpoint(monitor: User) -> None:
    new = device_add(actor=monitor, user=monitor)
    response = Client().head("/openrosa/submission", headers=basic(new.device.username, new.password))
    assert response.status_code == 204
    assert int(response["X-OpenRosa-Accept-Content-Length"]) > 1_000_000
    new.device.refresh_from_db()
    assert new.device.last_used_at is not None
