"""No lost update on a place (decision 0016): two editors, the second gets 409 and keeps their input."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def form_data(facility: Facility, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": facility.code,
        "name_ru": facility.name_ru,
        "type": facility.type.pk,
        "authority": facility.authority.pk,
        "region": facility.region.pk,
        "capacity": facility.capacity or "",
        "status": facility.status,
        "notes": facility.notes,
        "revision": facility.revision,
    }
    return data | changes


def updates(facility: Facility) -> int:
    return AuditEvent.objects.filter(
        action="update", object_type="facilities.facility", object_id=str(facility.pk)
    ).count()


def test_it_refuses_a_stale_edit_and_keeps_both_texts(as_coordinator):
    facility = FacilityFactory(notes="")
    url = reverse("facilities:edit", args=[facility.pk])
    bob = client_for(make_user("bob", Role.COORDINATOR))
    page = as_coordinator.get(url).content.decode()  # both editors load revision 0
    assert 'name="revision" value="0"' in page
    assert bob.post(url, form_data(facility, notes="Bob's note")).status_code == 302

    response = as_coordinator.post(url, form_data(facility, notes="Alice's note", capacity=77))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "Alice's note</textarea>" in body  # the editor's input is kept
    assert 'value="77"' in body
    assert 'name="revision" value="1"' in body  # saving again is based on what they saw
    conflict = body[body.index('data-testid="conflict"') :]
    assert "Bob's note" in conflict and "Notes" in conflict
    facility.refresh_from_db()
    assert (facility.notes, facility.capacity, facility.revision) == ("Bob's note", 100, 1)
    assert updates(facility) == 1

    resubmitted = as_coordinator.post(url, form_data(facility, notes="Alice's and Bob's note"))
    assert resubmitted.status_code == 302
    facility.refresh_from_db()
    assert (facility.notes, facility.revision) == ("Alice's and Bob's note", 2)


def test_it_saves_a_single_edit_under_the_next_revision(as_coordinator):
    facility = FacilityFactory()
    url = reverse("facilities:edit", args=[facility.pk])
    assert as_coordinator.post(url, form_data(facility, notes="Checked")).status_code == 302
    facility.refresh_from_db()
    assert (facility.notes, facility.revision) == ("Checked", 1)
    # saving the same values again changes nothing: no new revision, no audit entry
    assert as_coordinator.post(url, form_data(facility)).status_code == 302
    facility.refresh_from_db()
    assert facility.revision == 1 and updates(facility) == 1


def test_it_shows_no_current_values_to_who_may_not_edit(as_monitor):
    facility = FacilityFactory(notes="Internal")
    response = as_monitor.post(
        reverse("facilities:edit", args=[facility.pk]), form_data(facility, notes="X", revision=5)
    )
    assert response.status_code == 403
    assert b"Internal" not in response.content
    facility.refresh_from_db()
    assert (facility.notes, facility.revision) == ("Internal", 0)


def test_it_answers_a_stale_api_change_with_409_and_the_current_place(as_coordinator):
    facility = FacilityFactory(notes="")
    url = f"/api/v1/facilities/{facility.pk}/"
    first = as_coordinator.patch(url, {"notes": "First", "revision": 0}, content_type="application/json")
    assert first.status_code == 200 and first.json()["revision"] == 1

    stale = as_coordinator.patch(url, {"notes": "Second", "revision": 0}, content_type="application/json")

    assert stale.status_code == 409
    assert (stale.json()["notes"], stale.json()["revision"]) == ("First", 1)
    facility.refresh_from_db()
    assert (facility.notes, facility.revision) == ("First", 1)
    assert updates(facility) == 1


def test_it_applies_an_api_change_based_on_the_current_revision(as_coordinator):
    facility = FacilityFactory(notes="")
    url = f"/api/v1/facilities/{facility.pk}/"
    put = as_coordinator.get(url).json()
    assert put["revision"] == 0
    response = as_coordinator.patch(url, {"notes": "One", "revision": 0}, content_type="application/json")
    assert response.status_code == 200
    # without a revision the change is applied to whatever is stored, and still counted
    response = as_coordinator.patch(url, {"notes": "Two"}, content_type="application/json")
    assert (response.status_code, response.json()["revision"]) == (200, 2)
