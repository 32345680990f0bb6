"""The register of deaths and serious incidents in custody: who sees and writes it, the State's
response and the NPM's follow-up, the year's figures, and refusals that change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import AuditEvent
from dozor.core.models import Region
from dozor.facilities.tests.factories import FacilityFactory
from dozor.planning.models import Incident, IncidentAction
from dozor.planning.register import selectors
from dozor.planning.register.services import RegisterData, incident_action_add, incident_register_update

pytestmark = pytest.mark.django_db

READERS = ["as_coordinator", "as_council", "as_monitor"]
OUTSIDERS = ["as_liaison", "as_other_liaison", "as_trainer"]
TODAY = timezone.localdate()


@pytest.fixture
def death():
    facility = FacilityFactory(name_en="Karaganda SIZO")
    return Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.DEATH,
        serious=True,
        occurred_on=TODAY - datetime.timedelta(days=40),
        summary="Death of a detainee in a cell",
    )


@pytest.fixture
def complaint(death):
    return Incident.objects.create(
        facility=death.facility,
        kind=Incident.Kind.COMPLAINT,
        occurred_on=TODAY - datetime.timedelta(days=10),
        summary="A complaint about food",
    )


def data(**values) -> RegisterData:
    base = {
        "serious": True,
        "learned_on": TODAY - datetime.timedelta(days=37),
        "learned_from": "relatives",
        "relatives_informed": "yes",
        "relatives_informed_on": TODAY - datetime.timedelta(days=39),
        "investigation": "pre_trial",
        "investigating_body": "Regional prosecutor's office",
        "case_reference": "241500031000123",
        "closed_on": None,
    }
    base.update(values)
    return RegisterData(**base)


def register_post(incident, **values) -> dict[str, str]:
    post = {
        "form": "register",
        "revision": str(incident.revision),
        "serious": "on",
        "learned_on": (TODAY - datetime.timedelta(days=37)).isoformat(),
        "learned_from": "authority",
        "relatives_informed": "yes",
        "relatives_informed_on": (TODAY - datetime.timedelta(days=39)).isoformat(),
        "investigation": "pre_trial",
        "investigating_body": "Prosecutor",
        "case_reference": "",
        "closed_on": "",
    }
    post.update(values)
    return post


def action_post(**values) -> dict[str, str]:
    post = {
        "form": "action",
        "action-kind": "urgent_visit",
        "action-taken_on": (TODAY - datetime.timedelta(days=35)).isoformat(),
        "action-note": "Visited the cell and spoke to the cellmates in private",
        "action-outcome": "",
    }
    post.update(values)
    return post


# --- who ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_it_shows_the_register_to_planning_readers(request, persona, death, complaint):
    client = request.getfixturevalue(persona)
    page = client.get(reverse("planning:register_list")).content.decode()
    assert "Death of a detainee" not in page  # the list shows facts, the summary is on the entry
    assert f'data-testid="register-{death.pk}"' in page
    assert f'data-testid="register-{complaint.pk}"' not in page  # not serious: not in the register
    assert client.get(reverse("planning:register_detail", args=[death.pk])).status_code == 200


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_it_refuses_the_register_to_liaisons_and_trainers(request, persona, death):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("planning:register_list")).status_code == 403
    assert client.get(reverse("planning:register_detail", args=[death.pk])).status_code == 403
    response = client.post(reverse("planning:register_detail", args=[death.pk]), action_post())
    assert response.status_code == 403
    assert not IncidentAction.objects.exists()


@pytest.mark.parametrize("persona", ["as_council", "as_monitor"])
def test_readers_cannot_write(request, persona, death):
    client = request.getfixturevalue(persona)
    url = reverse("planning:register_detail", args=[death.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="register-form"' not in page and 'data-testid="action-form"' not in page
    assert client.post(url, action_post()).status_code == 403
    assert client.post(url, register_post(death)).status_code == 403
    death.refresh_from_db()
    assert death.investigation == "unknown" and not IncidentAction.objects.exists()


def test_a_regional_monitor_sees_only_the_entries_of_the_region(monitor, as_monitor, death):
    monitor.region = Region.objects.exclude(pk=death.facility.region_id).first()
    monitor.save()
    page = as_monitor.get(reverse("planning:register_list")).content.decode()
    assert f'data-testid="register-{death.pk}"' not in page
    assert 'data-testid="figure-deaths">0<' in page  # not counted either
    assert as_monitor.get(reverse("planning:register_detail", args=[death.pk])).status_code == 404


def test_an_incident_not_in_the_register_is_not_found(as_coordinator, complaint):
    assert as_coordinator.get(reverse("planning:register_detail", args=[complaint.pk])).status_code == 404
    assert as_coordinator.get("/planning/register/abc/").status_code == 404


# --- what ----------------------------------------------------------------------------------------


def test_a_death_is_always_in_the_register(coordinator, death):
    updated = incident_register_update(actor=coordinator, incident=death, data=data(serious=False))
    assert updated.serious is True


def test_recording_a_death_puts_it_in_the_register(as_coordinator, death):
    response = as_coordinator.post(
        reverse("planning:incident_create"),
        {
            "facility": str(death.facility_id),
            "kind": "death",
            "occurred_on": TODAY.isoformat(),
            "summary": "A second death",
            "source": "",
        },
    )
    created = Incident.objects.get(summary="A second death")
    assert created.serious
    assert response["Location"] == reverse("planning:register_detail", args=[created.pk])


def test_the_coordinator_records_the_states_response_and_the_npms_actions(as_coordinator, death):
    url = reverse("planning:register_detail", args=[death.pk])
    response = as_coordinator.post(url, register_post(death))
    assert response.status_code == 302
    death.refresh_from_db()
    assert (death.investigation, death.relatives_informed, death.learned_from) == (
        "pre_trial",
        "yes",
        "authority",
    )
    assert death.revision == 1
    assert AuditEvent.objects.filter(object_type="planning.incident", object_id=str(death.pk)).exists()
    assert as_coordinator.post(url, action_post()).status_code == 302
    page = as_coordinator.get(url).content.decode()
    assert "Visited the cell and spoke to the cellmates in private" in page
    assert "3 days after" in page  # learned 37 days ago, it happened 40 days ago


def test_a_stale_edit_is_refused_with_409_and_changes_nothing(as_coordinator, coordinator, death):
    incident_register_update(actor=coordinator, incident=death, data=data(investigation="discontinued"))
    url = reverse("planning:register_detail", args=[death.pk])
    response = as_coordinator.post(url, register_post(death, revision="0", investigation="court"))
    assert response.status_code == 409
    death.refresh_from_db()
    assert death.investigation == "discontinued"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"learned_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "learned_on"),
        ({"learned_on": (TODAY - datetime.timedelta(days=400)).isoformat()}, "learned_on"),
        ({"relatives_informed": "no"}, "relatives_informed_on"),
        ({"closed_on": (TODAY - datetime.timedelta(days=300)).isoformat()}, "closed_on"),
        ({"investigation": "maybe"}, "investigation"),
    ],
)
def test_a_bad_register_edit_changes_nothing(as_coordinator, death, values, field):
    response = as_coordinator.post(
        reverse("planning:register_detail", args=[death.pk]), register_post(death, **values)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    death.refresh_from_db()
    assert death.investigation == "unknown" and death.revision == 0


@pytest.mark.parametrize(
    "values",
    [
        {"action-taken_on": ""},
        {"action-taken_on": (TODAY + datetime.timedelta(days=2)).isoformat()},
        {"action-taken_on": (TODAY - datetime.timedelta(days=100)).isoformat()},
        {"action-kind": "prayer"},
    ],
)
def test_a_bad_action_changes_nothing(as_coordinator, death, values):
    response = as_coordinator.post(
        reverse("planning:register_detail", args=[death.pk]), action_post(**values)
    )
    assert response.status_code == 400
    assert not IncidentAction.objects.exists()


def test_an_action_makes_an_incident_serious(coordinator, complaint):
    incident_action_add(actor=coordinator, incident=complaint, kind="letter", taken_on=TODAY, note="Wrote")
    complaint.refresh_from_db()
    assert complaint.serious
    with pytest.raises(Exception, match="stays in the register"):
        incident_register_update(
            actor=coordinator,
            incident=complaint,
            data=data(serious=False, learned_on=None, relatives_informed_on=None),
        )


def test_action_notes_are_encrypted_at_rest_and_not_in_the_audit_log(coordinator, death):
    action = incident_action_add(
        actor=coordinator,
        incident=death,
        kind="prosecutor",
        taken_on=TODAY,
        note="Cellmate Askar B. saw the beating",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT note FROM {IncidentAction._meta.db_table} WHERE id = %s", [action.pk])
        raw = cursor.fetchone()[0]
    assert "Askar" not in raw
    assert not any("Askar" in str(e.changes) for e in AuditEvent.objects.all())
    assert IncidentAction.objects.get(pk=action.pk).note == "Cellmate Askar B. saw the beating"


def test_the_years_figures_count_in_the_database(coordinator, death, complaint):
    incident_register_update(actor=coordinator, incident=death, data=data())
    incident_action_add(actor=coordinator, incident=complaint, kind="letter", taken_on=TODAY)
    year = death.occurred_on.year
    figures = selectors.year_figures(selectors.entries_for(coordinator), year)
    expected_deaths = int(death.occurred_on.year == year)
    assert figures.deaths == expected_deaths
    assert figures.serious == int(complaint.occurred_on.year == year)
    assert figures.relatives_informed == 1 and figures.investigated == 1
    assert figures.median_days_to_learn == 3.0
    assert sum(r.deaths + r.serious for r in figures.by_type) == figures.deaths + figures.serious


def test_the_list_runs_a_bounded_number_of_queries(
    as_coordinator, coordinator, death, django_assert_max_num_queries
):
    for day in range(30):
        incident = Incident.objects.create(
            facility=FacilityFactory(),
            kind=Incident.Kind.DEATH,
            serious=True,
            occurred_on=TODAY - datetime.timedelta(days=day),
            summary=f"death {day}",
        )
        incident_action_add(actor=coordinator, incident=incident, kind="request", taken_on=TODAY)
    with django_assert_max_num_queries(16):
        response = as_coordinator.get(reverse("planning:register_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="register-') == 31 + 1  # rows + the figures block
