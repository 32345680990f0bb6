from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from conftest import make_user
from dozor.accounts.models import Role
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import TemplateVersion
from dozor.standards.tests.factories import checklist
from dozor.visits.models import Answer, Submission, TeamMember, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def version() -> TemplateVersion:
    return checklist("tpl_visits")


def make_visit(version: TemplateVersion, *team, **values) -> Visit:  # type: ignore[no-untyped-def]
    visit = Visit.objects.create(
        facility=values.pop("facility", None) or FacilityFactory(name_en="Visited place"),
        visit_type=VisitType.objects.order_by("sort_order").first(),
        started_on=values.pop("started_on", datetime.date(2026, 3, 2)),
        template_version=version,
        **values,
    )
    for user in team:
        TeamMember.objects.create(visit=visit, user=user)
    return visit


def pages(visit: Visit) -> list[str]:
    return [reverse("visits:list"), reverse("visits:detail", args=[visit.pk])]


def test_it_shows_visits_to_coordinators_and_council(version, as_coordinator, as_council):
    visit = make_visit(version)
    for client in (as_coordinator, as_council):
        for url in pages(visit):
            response = client.get(url)
            assert response.status_code == 200, url
            assert b"Visited place" in response.content
    assert as_coordinator.get(reverse("visits:list")).context["section"] == "visits"


def test_it_shows_a_monitor_only_the_visits_of_their_team(version, monitor, as_monitor):
    mine = make_visit(version, monitor, facility=FacilityFactory(name_en="My place"))
    other = make_visit(version, facility=FacilityFactory(name_en="Other place"))
    body = as_monitor.get(reverse("visits:list")).content.decode()
    assert "My place" in body and "Other place" not in body
    assert as_monitor.get(reverse("visits:detail", args=[mine.pk])).status_code == 200
    assert as_monitor.get(reverse("visits:detail", args=[other.pk])).status_code == 404
    assert as_monitor.get(reverse("visits:checklist", args=[other.pk])).status_code == 404


def test_it_refuses_trainers_and_liaisons(version, as_trainer, as_liaison):
    visit = make_visit(version)
    for client in (as_trainer, as_liaison):
        assert client.get(reverse("visits:list")).status_code == 403
        assert client.get(reverse("visits:create")).status_code == 403
        assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
        assert client.get(reverse("visits:checklist", args=[visit.pk])).status_code == 404
        assert reverse("visits:list") not in client.get(reverse("web:home")).content.decode()


def test_it_sends_anonymous_users_to_sign_in(version, anonymous):
    visit = make_visit(version)
    for url in [*pages(visit), reverse("visits:create"), reverse("visits:checklist", args=[visit.pk])]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def test_it_lets_only_coordinators_create_visits_and_council_only_read(version, as_council, as_monitor):
    visit = make_visit(version)
    for client in (as_council, as_monitor):
        assert client.get(reverse("visits:create")).status_code == 403
        assert client.post(reverse("visits:create"), {}).status_code == 403
    # the checklist (and whether a draft exists) is the team's: council members do not find it
    assert as_council.get(reverse("visits:checklist", args=[visit.pk])).status_code == 404
    assert (
        b'data-testid="fill-checklist"'
        not in as_council.get(reverse("visits:detail", args=[visit.pk])).content
    )


def test_a_coordinator_creates_a_visit_with_a_team(version, as_coordinator, monitor):
    facility = FacilityFactory(name_en="New visit place")
    other_monitor = make_user("mira", Role.MONITOR)
    form = as_coordinator.get(reverse("visits:create")).content.decode()
    assert "Bob" in form and "Mira" in form and "Alice" not in form.split('name="team"', 1)[-1][:2000]
    response = as_coordinator.post(
        reverse("visits:create"),
        {
            "facility": facility.pk,
            "visit_type": VisitType.objects.first().pk,
            "started_on": "2026-04-01",
            "template_version": version.pk,
            "team": [monitor.pk, other_monitor.pk],
            "announced": "on",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(facility=facility)
    assert visit.template_version == version and visit.announced
    assert set(visit.team.values_list("user__username", flat=True)) == {"bob", "mira"}


def test_it_defaults_to_the_published_checklist_for_the_place_type(as_coordinator):
    facility = FacilityFactory()  # a SIZO: the pack ships one template for it
    response = as_coordinator.post(
        reverse("visits:create"),
        {"facility": facility.pk, "visit_type": VisitType.objects.first().pk, "started_on": "2026-04-01"},
    )
    assert response.status_code == 302
    visit = Visit.objects.get(facility=facility)
    assert visit.template_version is not None
    assert visit.template_version.status == TemplateVersion.Status.PUBLISHED
    assert visit.template_version.template.facility_types.filter(pk=facility.type_id).exists()


def test_it_shows_create_errors_on_the_form(version, as_coordinator):
    response = as_coordinator.post(reverse("visits:create"), {"started_on": "soon"})
    assert response.status_code == 400
    assert {"facility", "visit_type", "started_on"} <= set(response.context["form"].errors)


def test_it_renders_the_checklist_with_the_right_widgets_and_units(version, monitor, as_monitor):
    visit = make_visit(version, monitor)
    response = as_monitor.get(reverse("visits:checklist", args=[visit.pk]), {"units": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="radio" name="holds_women" value="yes"' in body
    assert 'type="number" name="cell_count"' in body
    assert 'type="date" name="visit_date"' in body
    assert 'type="checkbox" name="cell_items__3" value="table"' in body
    assert 'name="cell_area__3"' in body and 'name="cell_area__4"' not in body
    assert (
        'data-question="women_separate" class="field" hidden' in body
    )  # not relevant until holds_women = yes


def test_htmx_re_renders_relevant_questions(version, monitor, as_monitor):
    visit = make_visit(version, monitor)
    response = as_monitor.post(
        reverse("visits:checklist", args=[visit.pk]),
        {"holds_women": "yes", "_refresh": "1", "units_cells": "1"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'data-question="women_separate" class="field" hx-swap-oob="true">' in body
    assert 'name="cell_count"' not in body  # unconditional questions are left alone
    assert not Submission.objects.exists()


def test_it_records_answers_and_drops_hidden_ones(version, monitor, as_monitor):
    visit = make_visit(version, monitor)
    response = as_monitor.post(
        reverse("visits:checklist", args=[visit.pk]),
        {
            "units_cells": "2",
            "holds_women": "no",
            "women_separate": "yes",  # hidden (holds_women is no): dropped
            "cell_count": "2",
            "visit_date": "2026-03-02",
            "cell_area__1": "8.5",
            "cell_light__1": "good",
            "cell_items__1": ["bed", "table"],
            "cell_area__2": "6",
            "cell_light__2": "poor",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get(visit=visit)
    assert submission.source == Submission.Source.WEB and submission.submitted_by == monitor
    values = {
        (a.question.name, a.repeat_index): a.value for a in Answer.objects.filter(submission=submission)
    }
    assert values[("holds_women", 0)] == "no"
    assert ("women_separate", 0) not in values
    assert values[("cell_items", 1)] == "bed table" and values[("cell_area", 2)] == "6"
    detail = as_monitor.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert "Unit 2" in detail and "Bed, Table" in detail and "Poor" in detail


def test_it_shows_problems_next_to_their_questions(version, monitor, as_monitor):
    visit = make_visit(version, monitor)
    response = as_monitor.post(
        reverse("visits:checklist", args=[visit.pk]),
        {
            "units_cells": "2",
            "holds_women": "yes",
            "cell_count": "-1",
            "cell_area__1": "7",
            "cell_light__2": "good",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "women_separate" in errors  # required and now relevant
    assert "Cannot be negative" in " ".join(errors["cell_count"])
    assert "cell_area__2" in errors and "cell_area__1" not in errors
    # not finalised: the answers wait in a draft, and no answer counts anywhere
    assert list(Submission.objects.values_list("status", flat=True)) == [Submission.Status.DRAFT]
    assert not Answer.objects.exists()


def test_it_keeps_the_visit_list_bounded(version, monitor, as_coordinator, django_assert_max_num_queries):
    make_visit(version, monitor)
    with django_assert_max_num_queries(12) as small:
        as_coordinator.get(reverse("visits:list"))
    for _n in range(20):
        make_visit(version, monitor)
    with django_assert_max_num_queries(len(small.captured_queries)):
        as_coordinator.get(reverse("visits:list"))
