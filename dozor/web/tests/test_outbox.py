"""The coordinators' page of failing e-mails (``/outbox/``): who sees it, what it shows, "Retry now"."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import AuditEvent, User
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue
from dozor.core.tests.smtp_stub import StubState

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(hours=2)


def failing(address: str = "ruslan@npm.kz", attempts: int = 5) -> Notification:
    notification = notification_queue(
        kind=Notification.Kind.REMINDER, address=address, subject="Your reminders", body="Two are due."
    )
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.FAILED,
        attempts=attempts,
        last_error="SMTPRecipientsRefused: 554 5.7.1 Relay access denied",
        next_attempt_at=timezone.now() + LATER,
    )
    notification.refresh_from_db()
    return notification


def test_it_shows_the_coordinator_the_failing_e_mails_only(as_coordinator: Client) -> None:
    shown = failing()
    notification_queue(kind=Notification.Kind.REMINDER, address="pending@npm.kz", subject="Pending", body=".")
    response = as_coordinator.get(reverse("web:outbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="notification-{shown.pk}"' in html and "ruslan@npm.kz" in html
    assert "554 5.7.1 Relay access denied" in html
    assert "pending@npm.kz" not in html  # still within its back-off: not the coordinators' concern yet


def test_it_says_so_when_nothing_is_failing(as_coordinator: Client) -> None:
    response = as_coordinator.get(reverse("web:outbox"))
    assert response.status_code == 200 and "No failing e-mails" in response.content.decode()


def test_it_runs_a_bounded_number_of_queries(as_coordinator: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for number in range(15):
        failing(address=f"person{number}@npm.kz")
    as_coordinator.get(reverse("web:outbox"))  # warm the caches (session, country pack)
    with django_assert_max_num_queries(15):
        response = as_coordinator.get(reverse("web:outbox"))
    assert response.content.decode().count('data-testid="retry-') == 15


def test_it_links_the_page_from_the_coordinators_menu_and_home(as_coordinator: Client) -> None:
    failing()
    html = as_coordinator.get(reverse("web:home")).content.decode()
    assert html.count(f'href="{reverse("web:outbox")}"') >= 2  # the menu and the home block


@pytest.mark.parametrize("persona", ["as_council", "as_monitor", "as_liaison", "as_trainer"])
def test_no_one_else_sees_the_page_or_a_link_to_it(persona: str, request: pytest.FixtureRequest) -> None:
    failing()
    client: Client = request.getfixturevalue(persona)
    response = client.get(reverse("web:outbox"))
    assert response.status_code in (403, 404)
    assert "ruslan@npm.kz" not in response.content.decode()
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:outbox") not in home


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client) -> None:
    failing()
    response = anonymous.get(reverse("web:outbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = anonymous.post(reverse("web:outbox_retry", args=[failing().pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("persona", ["as_council", "as_monitor", "as_liaison"])
def test_no_one_else_may_retry(persona: str, request: pytest.FixtureRequest, mail_server: StubState) -> None:
    notification = failing()
    client: Client = request.getfixturevalue(persona)
    response = client.post(reverse("web:outbox_retry", args=[notification.pk]))
    assert response.status_code in (403, 404)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED and notification.attempts == 5
    assert notification.next_attempt_at > timezone.now() + LATER / 2  # not made due
    assert (
        mail_server.received == [] and not AuditEvent.objects.filter(object_type="core.notification").exists()
    )


def test_retry_now_sends_it_when_the_server_accepts(
    as_coordinator: Client, coordinator: User, mail_server: StubState
) -> None:
    notification = failing()
    response = as_coordinator.post(reverse("web:outbox_retry", args=[notification.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:outbox")
    assert "accepted by the mail server" in response.content.decode()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 6
    assert len(mail_server.received) == 1
    event = AuditEvent.objects.get(object_type="core.notification")
    assert event.actor == coordinator and event.changes["retry"] is True


def test_retry_now_keeps_it_failing_when_the_server_still_refuses(
    as_coordinator: Client, mail_server: StubState
) -> None:
    mail_server.refuse = True
    notification = failing()
    response = as_coordinator.post(reverse("web:outbox_retry", args=[notification.pk]), follow=True)
    assert "will be sent again" in response.content.decode()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED and notification.attempts == 6


def test_retry_of_a_sent_or_unknown_e_mail_is_404(as_coordinator: Client) -> None:
    notification = failing()
    Notification.objects.filter(pk=notification.pk).update(status="sent", sent_at=timezone.now())
    assert as_coordinator.post(reverse("web:outbox_retry", args=[notification.pk])).status_code == 404
    assert as_coordinator.post(reverse("web:outbox_retry", args=[notification.pk + 99])).status_code == 404
    assert as_coordinator.get(reverse("web:outbox_retry", args=[notification.pk])).status_code == 405
