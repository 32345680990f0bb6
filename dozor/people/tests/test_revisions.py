"""No lost update on a person (decision 0016): the second of two editors gets 409 and keeps
their input, with the other editor's values beside it."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.people.models import Person
from dozor.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def form_data(person: Person, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "gender": person.gender,
        "organisation": person.organisation_id,
        "region": person.region_id,
        "email": person.email,
        "phone": person.phone,
        "notes": person.notes,
        "revision": person.revision,
    }
    return data | changes


def test_it_refuses_a_stale_edit_and_keeps_both_versions(as_coordinator: Client):
    person = PersonFactory(notes="")
    url = reverse("people:person_edit", args=[person.pk])
    bob = client_for(make_user("bob", Role.COORDINATOR))
    assert 'name="revision" value="0"' in as_coordinator.get(url).content.decode()
    assert bob.post(url, form_data(person, phone="+7 701 111 11 11")).status_code == 302

    response = as_coordinator.post(url, form_data(person, notes="Speaks at schools."))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "Speaks at schools.</textarea>" in body
    assert 'name="revision" value="1"' in body
    conflict = body[body.index('data-testid="conflict"') :]
    assert "+7 701 111 11 11" in conflict  # Bob's phone, which Alice's form would have put back
    person.refresh_from_db()
    assert (person.phone, person.notes, person.revision) == ("+7 701 111 11 11", "", 1)
    assert (
        AuditEvent.objects.filter(
            action="update", object_type="people.person", object_id=str(person.pk)
        ).count()
        == 1
    )


def test_it_saves_a_single_edit_under_the_next_revision(as_coordinator: Client):
    person = PersonFactory()
    url = reverse("people:person_edit", args=[person.pk])
    assert as_coordinator.post(url, form_data(person, notes="Lawyer.")).status_code == 302
    person.refresh_from_db()
    assert (person.notes, person.revision) == ("Lawyer.", 1)


def test_it_shows_no_current_values_to_a_monitor(as_monitor: Client):
    person = PersonFactory(notes="Private note")
    response = as_monitor.post(
        reverse("people:person_edit", args=[person.pk]), form_data(person, notes="X", revision=3)
    )
    assert response.status_code in (403, 404)
    assert b"Private note" not in response.content
    person.refresh_from_db()
    assert (person.notes, person.revision) == ("Private note", 0)


def test_it_shows_the_revision_in_the_api(as_coordinator: Client):
    """The persons API is read-only (people are changed on their pages): it shows the revision
    those pages count, so a client can tell a changed person from an unchanged one."""
    person = PersonFactory()
    url = f"/api/v1/persons/{person.pk}/"
    assert as_coordinator.get(url).json()["revision"] == 0
    as_coordinator.post(reverse("people:person_edit", args=[person.pk]), form_data(person, notes="Lawyer."))
    assert as_coordinator.get(url).json()["revision"] == 1
    assert as_coordinator.patch(url, {"notes": "X"}, content_type="application/json").status_code == 405
