"""An unannounced visit is secret until it happens (decision 0023, issue 16 item 5).

Must hold: a council member and a monitor off the visit's team see nothing of a secret visit
before its start day - in pages, the API, counts, calendars and derived figures (risk, coverage,
budget); from its first day on they see what their role allows (the council member the visit, the
off-team monitor still nothing); the team and coordinators see it all along.

"Today" is the NPM's (``timezone.localdate``); the visit starts tomorrow, and the tests move today
forward by patching ``django.utils.timezone.localdate``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_user
from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import TemplateVersion
from dozor.planning.models import PlannedVisit
from dozor.planning.risk import scores as risk
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit
from dozor.visits.access import visit_is_secret, visits_visible_to
from dozor.visits.models import Visit
from dozor.visits.selectors import VisitFilters, visit_search
from dozor.visits.services import team_member_add, visit_create, visit_facts_refresh

pytestmark = pytest.mark.django_db

NAME = "Zeta Secret Colony"


@dataclass
class Secret:
    visit: Visit
    planned: PlannedVisit
    facility: Facility
    insider: User  # a monitor on the visit's team (and in the planned visit's group)
    start: datetime.date
    end: datetime.date


def move_today(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)


@pytest.fixture
def secret(coordinator: User, small_version: TemplateVersion) -> Secret:
    start = timezone.localdate() + datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=1)
    facility = FacilityFactory(name_en=NAME, name_ru=NAME, name_kk=NAME)
    insider = make_user("ivan", Role.MONITOR)
    planned = planned_visit(
        PlanFactory(year=start.year),
        facility=facility,
        starts_on=start,
        ends_on=end,
        announced=False,
        objectives="Zeta objectives",
        members=[(participant(user=insider), "leader")],
    )
    visit = visit_create(
        actor=coordinator,
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=start,
        template_version=small_version,
        announced=False,
    )
    team_member_add(actor=coordinator, visit=visit, user=insider)
    # The record was started early and already marked as under way: the stored "latest visit"
    # of the place now names it (the worst case for derived figures).
    Visit.objects.filter(pk=visit.pk).update(
        planned_visit=planned, ended_on=end, status=Visit.Status.IN_PROGRESS
    )
    visit_facts_refresh(facility_ids=[facility.pk])
    visit.refresh_from_db()
    return Secret(visit=visit, planned=planned, facility=facility, insider=insider, start=start, end=end)


def outsiders(council: User, monitor: User) -> dict[str, User]:
    return {"council": council, "off-team monitor": monitor}


def _text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def assert_nothing_seen(user: User, secret: Secret) -> None:
    client = client_for(user)
    day = secret.start.isoformat()
    # the visit list and its count, the visit page, the search
    assert secret.visit not in visits_visible_to(user)
    assert not visit_search(user, VisitFilters()).filter(pk=secret.visit.pk).exists()
    page = _text(client.get(reverse("visits:list")))
    assert NAME not in page and day not in page
    assert client.get(reverse("visits:detail", args=[secret.visit.pk])).status_code == 404
    # the place page: the place is not secret, its visit is - neither listed nor counted
    place = _text(client.get(reverse("facilities:detail", args=[secret.facility.pk])))
    assert day not in place
    if 'data-testid="place-visit-count"' in place:
        assert 'data-testid="place-visit-count">0<' in place
    # home page
    home = _text(client.get("/"))
    assert NAME not in home and day not in home
    # the API: list and detail
    listed = client.get("/api/v1/visits/")
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        assert secret.visit.pk not in [row["id"] for row in listed.json()["results"]]
    assert client.get(f"/api/v1/visits/{secret.visit.pk}/").status_code in (403, 404)
    # planning: calendar, the participant's calendar feed, the plan's budget
    calendar = _text(client.get(reverse("planning:calendar") + f"?month={secret.start:%Y-%m}"))
    assert NAME not in calendar
    assert NAME not in _text(client.get(reverse("planning:my_ical")))
    budget = _text(client.get(reverse("planning:plan_budget", args=[secret.planned.plan_id])))
    assert NAME not in budget
    # derived figures: risk (page, API, the score itself) and coverage
    risk_page = _text(client.get(reverse("planning:risk_detail", args=[secret.facility.pk])))
    assert day not in risk_page and "Zeta objectives" not in risk_page
    later = (secret.end + datetime.timedelta(days=30)).isoformat()
    api_risk = client.get(f"/api/v1/risk-scores/{secret.facility.pk}/")
    assert api_risk.status_code == 200 and day not in api_risk.content.decode()
    assert secret.facility.pk not in risk.last_visit_dates([secret.facility.pk], secret.end, viewer=user)
    scored = client.get("/api/v1/risk-scores/", {"on": later})
    assert scored.status_code == 200 and day not in scored.content.decode()
    coverage = {
        row.facility_id: row
        for row in risk.coverage_rows(Facility.objects.filter(pk=secret.facility.pk), viewer=user)
    }
    assert coverage[secret.facility.pk].status == risk.CoverageStatus.NEVER


@pytest.mark.parametrize("persona", ["council", "off-team monitor"])
def test_outsiders_see_nothing_before_the_start_day(
    persona: str, council: User, monitor: User, secret: Secret
) -> None:
    assert visit_is_secret(secret.visit)
    assert_nothing_seen(outsiders(council, monitor)[persona], secret)


def test_nothing_on_the_eve_either(monkeypatch: pytest.MonkeyPatch, council: User, secret: Secret) -> None:
    # the day before the start day in the NPM's time zone, late in the evening
    move_today(monkeypatch, secret.start - datetime.timedelta(days=1))
    assert visit_is_secret(secret.visit)
    assert secret.visit not in visits_visible_to(council)


def test_the_team_and_coordinators_see_it_before(coordinator: User, secret: Secret) -> None:
    for user in (coordinator, secret.insider):
        client = client_for(user)
        assert secret.visit in visits_visible_to(user)
        assert client.get(reverse("visits:detail", args=[secret.visit.pk])).status_code == 200
        assert NAME in _text(client.get(reverse("visits:list")))
        assert client.get(f"/api/v1/visits/{secret.visit.pk}/").status_code == 200


def test_a_council_member_on_the_team_sees_it(coordinator: User, council: User, secret: Secret) -> None:
    # council members are not normally put on teams, but if one is, the team rule wins
    from dozor.visits.models import TeamMember

    TeamMember.objects.create(visit=secret.visit, user=council)
    assert secret.visit in visits_visible_to(council)


def test_from_the_start_day_the_council_sees_it_and_the_off_team_monitor_still_not(
    monkeypatch: pytest.MonkeyPatch, council: User, monitor: User, secret: Secret
) -> None:
    move_today(monkeypatch, secret.start)
    assert not visit_is_secret(secret.visit)
    as_council = client_for(council)
    assert secret.visit in visits_visible_to(council)
    assert as_council.get(reverse("visits:detail", args=[secret.visit.pk])).status_code == 200
    assert NAME in _text(as_council.get(reverse("visits:list")))
    assert as_council.get(f"/api/v1/visits/{secret.visit.pk}/").status_code == 200
    place = _text(as_council.get(reverse("facilities:detail", args=[secret.facility.pk])))
    assert secret.start.isoformat() in place
    # the off-team monitor's role never shows other teams' visits
    assert secret.visit not in visits_visible_to(monitor)
    assert client_for(monitor).get(reverse("visits:detail", args=[secret.visit.pk])).status_code == 404


def test_after_the_visit_derived_figures_follow_the_role(
    monkeypatch: pytest.MonkeyPatch, coordinator: User, council: User, monitor: User, secret: Secret
) -> None:
    Visit.objects.filter(pk=secret.visit.pk).update(status=Visit.Status.COMPLETED)
    PlannedVisit.objects.filter(pk=secret.planned.pk).update(status=PlannedVisit.Status.DONE)
    visit_facts_refresh(facility_ids=[secret.facility.pk])
    after = secret.end + datetime.timedelta(days=1)
    move_today(monkeypatch, after)
    ids = [secret.facility.pk]
    # coordinators, the group and council members (who see the visit record now) count it ...
    for user in (coordinator, secret.insider, council):
        assert risk.last_visit_dates(ids, after, viewer=user) == {secret.facility.pk: secret.end}
    # ... the off-team monitor, who may never see it, does not
    assert risk.last_visit_dates(ids, after, viewer=monitor) == {}
    off_team = client_for(monitor).get(reverse("planning:risk_detail", args=[secret.facility.pk]))
    assert secret.end.isoformat() not in _text(off_team)
    coverage = risk.coverage_rows(Facility.objects.filter(pk=secret.facility.pk), on=after, viewer=monitor)
    assert coverage[0].status == risk.CoverageStatus.NEVER


def test_an_announced_visit_is_never_secret(
    council: User, coordinator: User, small_version: TemplateVersion
) -> None:
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=timezone.localdate() + datetime.timedelta(days=10),
        template_version=small_version,
        announced=True,
    )
    assert not visit_is_secret(visit)
    assert visit in visits_visible_to(council)


def test_the_rule_reaches_reports_and_their_api(
    monkeypatch: pytest.MonkeyPatch, council: User, secret: Secret
) -> None:
    from dozor.visits.access import reports_visible_to
    from dozor.visits.models import Report

    report = Report.objects.create(visit=secret.visit)
    assert not reports_visible_to(council).filter(pk=report.pk).exists()
    listed = client_for(council).get("/api/v1/visit-reports/")
    assert report.pk not in [row["id"] for row in listed.json()["results"]]
    move_today(monkeypatch, secret.start)
    assert reports_visible_to(council).filter(pk=report.pk).exists()


def test_the_anonymous_and_liaisons_see_nothing(
    anonymous: Client, as_liaison: Client, secret: Secret
) -> None:
    assert anonymous.get(reverse("visits:detail", args=[secret.visit.pk])).status_code in (302, 404)
    assert as_liaison.get(reverse("visits:detail", args=[secret.visit.pk])).status_code in (403, 404)
