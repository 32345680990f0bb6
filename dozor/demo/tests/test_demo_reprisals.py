"""The demo's reprisal follow-up (dozor/demo/reprisals.py): a person transferred from one colony to
another, the check due on today's visit to the new colony."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import client_for
from dozor.accounts.models import User
from dozor.recommendations.models import ProtectedPerson, ReprisalAction, ReprisalCase
from dozor.visits.models import Visit

pytestmark = pytest.mark.django_db


def run(*args: str) -> None:
    call_command("demo", *args, stdout=StringIO())


def test_it_shows_a_transferred_person_to_check_at_the_new_colony():
    run()
    person = ProtectedPerson.objects.get()
    case = ReprisalCase.objects.get(person=person)
    assert "[ДЕМО]" in person.identity and "[ДЕМО]" in case.summary
    moves = list(person.locations.order_by("since"))
    assert len(moves) == 2 and moves[0].facility != moves[1].facility
    assert all(m.facility.code.startswith("DEMO-COLONY-") for m in moves)  # type: ignore[union-attr]
    assert person.facility == moves[1].facility and case.facility == moves[0].facility
    assert ReprisalAction.objects.filter(case=case).count() == 2
    visit = Visit.objects.get(facility=person.facility)
    page = client_for(User.objects.get(username="monitor")).get(reverse("visits:detail", args=[visit.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and person.code in body and 'data-testid="moved-here"' in body
    assert person.identity not in body
    run()  # idempotent
    assert ProtectedPerson.objects.count() == 1 and ReprisalCase.objects.count() == 1


def test_it_removes_and_reloads_the_person_with_reset():
    run()
    run("--reset")
    assert ProtectedPerson.objects.count() == 1 and ReprisalAction.objects.count() == 2
