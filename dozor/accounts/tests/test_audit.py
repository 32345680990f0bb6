from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from dozor.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_audits_sign_in_failed_sign_in_and_sign_out(client, coordinator):
    client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["login_failed", "login", "logout"]
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.object_repr == "alice" and failed.actor is None
    assert AuditEvent.objects.get(action="login").actor == coordinator


def test_only_coordinators_read_the_audit_log(
    as_coordinator, as_monitor, as_council, as_liaison, as_trainer, anonymous
):
    assert as_coordinator.get(reverse("accounts:audit")).status_code == 200
    for client in (as_monitor, as_council, as_liaison, as_trainer):
        assert client.get(reverse("accounts:audit")).status_code == 403
    assert anonymous.get(reverse("accounts:audit")).status_code == 302


def test_it_issues_an_api_token_once(as_monitor, monitor):
    response = as_monitor.post(reverse("accounts:token"))
    assert response.status_code == 200
    from knox.models import AuthToken

    token = response.context["new_token"]
    stored = AuthToken.objects.get(user=monitor)
    assert token.startswith(stored.token_key) and stored.digest != token  # only a hash is kept
    assert token in response.content.decode()
    assert token not in as_monitor.get(reverse("accounts:token")).content.decode()


def test_it_shows_readable_objects_and_changes_in_the_readers_language(as_coordinator, coordinator, monitor):
    from django.utils import translation

    from dozor.accounts.audit import audit_record
    from dozor.accounts.models import User

    audit_record(
        actor=coordinator,
        action=AuditEvent.Action.UPDATE,
        obj=monitor,
        changes={
            "is_active": {"before": True, "after": False},
            "last_login": {"before": None, "after": None},
        },
    )
    audit_record(
        actor=coordinator, action=AuditEvent.Action.CREATE, obj=monitor, changes={"summary": {"status": 1}}
    )
    page = as_coordinator.get(reverse("accounts:audit"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    with translation.override("ru"):
        kind = str(User._meta.verbose_name)
        active = str(User._meta.get_field("is_active").verbose_name)
        yes, no = translation.gettext("yes"), translation.gettext("no")
    name = monitor.get_full_name() or monitor.get_username()
    assert f"{kind[:1].upper()}{kind[1:]}: {name}" in page
    assert f"<strong>{active}</strong>: {yes} → {no}" in page
    assert "accounts.user" not in page and "None" not in page and "{&#x27;" not in page and "{'" not in page
    assert "status: 1" in page
