"""No lost update on a recommendation (decision 0016): the second of two editors gets 409 and
keeps their text; the API answers 409 with the current recommendation."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.recommendations.models import Recommendation, Status, StatusChange
from dozor.recommendations.services import status_change
from dozor.recommendations.tests.factories import kuis_place, recommendation
from dozor.standards.models import Theme

pytestmark = pytest.mark.django_db


def form_data(rec: Recommendation, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "source": rec.source,
        "addressee": rec.addressee,
        "facility": rec.facility_id,
        "theme": Theme.objects.get(code="safeguards").pk,
        "text_en": rec.text_en,
        "priority": rec.priority,
        "term": rec.term,
        "issued_on": rec.issued_on.isoformat(),
        "revision": rec.revision,
    }
    return data | changes


def updates(rec: Recommendation) -> int:
    return AuditEvent.objects.filter(
        action="update", object_type="recommendations.recommendation", object_id=str(rec.pk)
    ).count()


def test_it_refuses_a_stale_edit_and_keeps_both_texts(as_coordinator: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place())
    url = reverse("recommendations:edit", args=[rec.pk])
    bob = client_for(make_user("bob", Role.COORDINATOR))
    assert 'name="revision" value="0"' in as_coordinator.get(url).content.decode()
    assert bob.post(url, form_data(rec, text_en="Bob's wording.")).status_code == 302

    response = as_coordinator.post(url, form_data(rec, text_en="Alice's wording."))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "Alice's wording.</textarea>" in body
    assert 'name="revision" value="1"' in body
    assert "Bob's wording." in body[body.index('data-testid="conflict"') :]
    rec.refresh_from_db()
    assert (rec.text_en, rec.revision) == ("Bob's wording.", 1)
    assert updates(rec) == 1


def test_it_saves_a_single_edit_under_the_next_revision(as_coordinator: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place())
    url = reverse("recommendations:edit", args=[rec.pk])
    assert as_coordinator.post(url, form_data(rec, text_en="Reworded.")).status_code == 302
    rec.refresh_from_db()
    assert (rec.text_en, rec.revision) == ("Reworded.", 1)


def test_it_shows_no_current_text_to_a_liaison(as_liaison: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place(), text="The NPM's own wording.")
    response = as_liaison.post(
        reverse("recommendations:edit", args=[rec.pk]), form_data(rec, text_en="X", revision=9)
    )
    assert response.status_code == 403
    rec.refresh_from_db()
    assert (rec.text_en, rec.revision) == ("The NPM's own wording.", 0)


def test_it_answers_a_stale_api_change_with_409_and_the_current_recommendation(
    as_coordinator: Client, coordinator: User
):
    rec = recommendation(coordinator, facility=kuis_place())
    url = f"/api/v1/recommendations/{rec.pk}/"
    assert as_coordinator.get(url).json()["revision"] == 0
    first = as_coordinator.patch(url, {"text_en": "First.", "revision": 0}, content_type="application/json")
    assert (first.status_code, first.json()["revision"]) == (200, 1)

    stale = as_coordinator.patch(url, {"text_en": "Second.", "revision": 0}, content_type="application/json")

    assert stale.status_code == 409
    assert (stale.json()["text_en"], stale.json()["revision"]) == ("First.", 1)
    rec.refresh_from_db()
    assert (rec.text_en, rec.revision) == ("First.", 1)
    assert updates(rec) == 1


def test_an_assessment_moves_the_revision_so_an_open_form_is_stale(as_coordinator: Client, coordinator: User):
    """A status change is a saved change too: an API client holding the old revision learns of it."""
    rec = recommendation(coordinator, facility=kuis_place())
    status_change(
        actor=coordinator,
        recommendation=rec,
        status=Status.objects.get(code="implemented"),
        changed_on=rec.issued_on,
        verification=StatusChange.Verification.DOCUMENTS,
        evidence="Order No. 12 seen.",
    )
    rec.refresh_from_db()
    assert rec.revision == 1
    response = as_coordinator.patch(
        f"/api/v1/recommendations/{rec.pk}/",
        {"text_en": "Late.", "revision": 0},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["revision"]) == (409, 1)
