"""The coordinators' accounts page: every action audited, nothing for anyone else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from dozor.accounts.models import AuditEvent, User
from dozor.accounts.signin.tests.helpers import enrol

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-2026"


def test_it_lists_accounts_with_role_scope_status_and_second_factor(as_coordinator, monitor, liaison):
    enrol(monitor)
    response = as_coordinator.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    rows = {row.username: row for row in response.context["page"]}
    assert rows["bob"].has_mfa and not rows["lena"].has_mfa
    assert "KUIS" in response.content.decode() or str(liaison.authority) in response.content.decode()


def test_the_list_takes_a_fixed_number_of_queries(
    as_coordinator, monitor, liaison, django_assert_max_num_queries
):
    for index in range(5):
        User.objects.create_user(username=f"extra{index}", role="monitor")
    with django_assert_max_num_queries(12):
        as_coordinator.get(reverse("accounts:user_list"))


@pytest.mark.parametrize("persona", ["council", "monitor", "liaison", "other_liaison", "trainer"])
def test_every_other_persona_gets_403(request, persona, monitor):
    client = request.getfixturevalue(f"as_{persona}")
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[monitor.pk])).status_code == 403
    for action in ("deactivate", "reset-password", "reset-mfa"):
        assert client.post(reverse("accounts:user_action", args=[monitor.pk, action])).status_code == 403
    monitor.refresh_from_db()
    assert monitor.is_active and monitor.check_password(PASSWORD)


def test_anonymous_is_sent_to_sign_in(anonymous, monitor):
    assert anonymous.get(reverse("accounts:user_list")).status_code == 302
    assert anonymous.post(reverse("accounts:user_action", args=[monitor.pk, "deactivate"])).status_code == 302
    monitor.refresh_from_db()
    assert monitor.is_active


def test_an_unknown_account_is_404(as_coordinator):
    assert as_coordinator.get(reverse("accounts:user_detail", args=[99999])).status_code == 404


def test_it_creates_an_account_with_a_one_time_link(as_coordinator, coordinator):
    response = as_coordinator.post(
        reverse("accounts:user_create"), {"username": "newbie", "role": "liaison", "authority": "KUIS"}
    )
    assert response.status_code == 200
    link = response.context["link"]
    user = User.objects.get(username="newbie")
    assert user.authority.code == "KUIS" and not user.has_usable_password()
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = visitor.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert Client().get(link, follow=True).context["validlink"] is False  # used once
    assert AuditEvent.objects.filter(action="create", object_id=str(user.pk), actor=coordinator).exists()


def test_it_refuses_a_liaison_without_an_authority_and_creates_nothing(as_coordinator):
    response = as_coordinator.post(reverse("accounts:user_create"), {"username": "newbie", "role": "liaison"})
    assert response.status_code == 400 and "needs an authority" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_it_deactivates_and_reactivates_with_an_audit(as_coordinator, coordinator, monitor, as_monitor):
    as_coordinator.post(reverse("accounts:user_action", args=[monitor.pk, "deactivate"]))
    monitor.refresh_from_db()
    assert not monitor.is_active
    assert as_monitor.get(reverse("accounts:security")).status_code == 302
    as_coordinator.post(reverse("accounts:user_action", args=[monitor.pk, "reactivate"]))
    monitor.refresh_from_db()
    assert monitor.is_active
    changes = list(
        AuditEvent.objects.filter(object_id=str(monitor.pk), actor=coordinator, action="update").values_list(
            "changes", flat=True
        )
    )
    assert {"is_active": {"before": True, "after": False}} in changes


def test_a_coordinator_cannot_deactivate_themselves(as_coordinator, coordinator):
    as_coordinator.post(reverse("accounts:user_action", args=[coordinator.pk, "deactivate"]))
    coordinator.refresh_from_db()
    assert coordinator.is_active


def test_a_password_reset_disables_the_old_password(as_coordinator, monitor):
    response = as_coordinator.post(reverse("accounts:user_action", args=[monitor.pk, "reset-password"]))
    assert response.status_code == 200 and "/accounts/reset/" in response.context["link"]
    assert (
        Client().post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD}).status_code == 200
    )


def test_removing_a_second_factor_needs_an_identity_check(as_coordinator, coordinator, monitor):
    enrol(monitor)
    url = reverse("accounts:user_action", args=[monitor.pk, "reset-mfa"])
    refused = as_coordinator.post(url, {"identity_check": "", "confirmed": "on"})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=monitor).exists()
    as_coordinator.post(url, {"identity_check": "in person, passport", "confirmed": "on"})
    assert not TOTPDevice.objects.filter(user=monitor).exists()
    event = AuditEvent.objects.get(action="delete", object_id=str(monitor.pk), actor=coordinator)
    assert event.changes["identity_check"] == "in person, passport"


def test_actions_need_a_recent_confirmation(as_coordinator, monitor):
    session = as_coordinator.session
    session.pop("dozor_reauth_at")
    session.save()
    response = as_coordinator.post(reverse("accounts:user_action", args=[monitor.pk, "deactivate"]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:reauth"))
    monitor.refresh_from_db()
    assert monitor.is_active
