"""The page of certificates still to issue: for trainers and coordinators only, linked from their
home page and the training menu; and where certificates point to their public check (/verify/)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import User
from dozor.people.tests.factories import PersonFactory
from dozor.training import documents
from dozor.training.models import Certificate, Enrolment, Event
from dozor.training.tests.factories import EnrolmentFactory, EventFactory

pytestmark = pytest.mark.django_db

URL = reverse("training:certificates_due")


def _held(title: str, *, min_attendance: int = 0) -> Event:
    today = timezone.localdate()
    return EventFactory(
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=8),
        min_attendance_percent=min_attendance,
        title_en=title,
        title_ru=title,
        title_kk=title,
    )


@pytest.fixture
def due(trainer: User) -> Event:
    event = _held("DUE-EVENT")
    EnrolmentFactory(event=event, person=PersonFactory(last_name="Сейітқали", first_name="Айгерім"))
    EnrolmentFactory(event=event, person=PersonFactory(last_name="Омарова", first_name="Дана"))
    EnrolmentFactory(event=event, status=Enrolment.Status.WAITLISTED)
    certified = EnrolmentFactory(
        event=event, person=PersonFactory(last_name="Certified", first_name="Already")
    )
    Certificate.objects.create(
        enrolment=certified, code="DUE1CERT", issued_on=timezone.localdate(), issued_by=trainer
    )
    EnrolmentFactory(event=_held("DUE-STRICT", min_attendance=80))  # no attendance: not qualified
    return event


def test_it_lists_the_participants_awaiting_a_certificate(as_trainer: Client, due: Event) -> None:
    response = as_trainer.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="certificates-due-total">2<' in html
    assert "Сейітқали Айгерім" in html and "Омарова Дана" in html
    assert "Already" not in html and "DUE-STRICT" not in html
    assert f"{reverse('training:event', args=[due.pk])}#certificates" in html


def test_it_shows_the_page_to_a_coordinator_too(as_coordinator: Client, due: Event) -> None:
    response = as_coordinator.get(URL)
    assert response.status_code == 200 and "DUE-EVENT" in response.content.decode()


def test_it_says_when_nothing_awaits(as_trainer: Client) -> None:
    html = as_trainer.get(URL).content.decode()
    assert 'data-testid="certificates-due-none"' in html


@pytest.mark.parametrize("persona", ["as_council", "as_monitor", "as_liaison", "as_other_liaison"])
def test_it_refuses_the_page_to_those_who_do_not_issue_certificates(
    persona: str, request: pytest.FixtureRequest, due: Event
) -> None:
    client: Client = request.getfixturevalue(persona)
    response = client.get(URL)
    assert response.status_code in (403, 404)
    assert "Сейітқали" not in response.content.decode()
    assert URL not in client.get(reverse("web:home")).content.decode()


def test_it_sends_an_anonymous_visitor_to_sign_in(anonymous: Client, due: Event) -> None:
    response = anonymous.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_it_is_linked_from_the_home_page_and_the_menu(as_trainer: Client, due: Event) -> None:
    html = as_trainer.get(reverse("web:home")).content.decode()
    assert f'href="{URL}" data-testid="block-certificates-link"' in html
    assert html.count(f'href="{URL}"') >= 2  # the home block and the training menu


def test_it_lists_in_constant_queries(as_trainer: Client, due: Event) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_trainer.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(3):
        event = _held(f"MORE-{n}")
        EnrolmentFactory(event=event)
        EnrolmentFactory(event=event)
    assert count() == few


# --- certificates point to their public check ------------------------------------------------------


def test_a_certificate_prints_and_links_its_check(trainer: User, settings: object, due: Event) -> None:
    certificate = Certificate.objects.get(code="DUE1CERT")
    html = documents.certificate_html(certificate, "kk", site="https://dozor.example.kz/")
    assert 'href="https://dozor.example.kz/verify/DUE1CERT/"' in html
    assert ">https://dozor.example.kz/verify/DUE1CERT/<" in html
    settings.DOZOR_SITE_URL = "https://npm.example.kz"  # type: ignore[attr-defined]
    assert "https://npm.example.kz/verify/DUE1CERT/" in documents.certificate_html(certificate, "ru")


def test_the_event_page_links_each_certificate_to_its_check(as_trainer: Client, due: Event) -> None:
    html = as_trainer.get(reverse("training:event", args=[due.pk])).content.decode()
    assert f'href="{reverse("verify:certificate", args=["DUE1CERT"])}"' in html


def test_the_public_portal_links_the_certificate_check(anonymous: Client) -> None:
    html = anonymous.get(reverse("public:home", kwargs={"lang": "kk"})).content.decode()
    assert f'href="{reverse("verify:form")}"' in html
