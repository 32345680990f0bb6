"""The place page as a hub (dozor.web.place_page): the registry's part and the sections the apps
above it add - visits, planned visits, risk, open recommendations, published reports - each as the
reader may see it. The wrong persona gets nothing: no secret planned visit for a council member or
a monitor outside its group, nothing of another authority's place for a liaison."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import AUDIT_LOCK, client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.facilities.models import Facility
from dozor.planning.models import PlannedVisit
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit
from dozor.publishing.models import PublicReport
from dozor.recommendations.models import Recommendation
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.visits.models import Report

pytestmark = pytest.mark.django_db

SECRET_DAY = "2027-03-17"  # the unannounced planned visit's first day
ANNOUNCED_DAY = "2027-05-10"
VISIT_DAY = "2025-03-04"  # the visit carried out (report_for's visit; its report is published)


@dataclass
class Hub:
    place: Facility
    open_rec: Recommendation
    closed_rec: Recommendation
    draft_rec: Recommendation
    secret: PlannedVisit
    insider: User


@pytest.fixture
def hub(coordinator: User) -> Hub:
    place = kuis_place(name_en="Hub pre-trial centre", name_kk="Хаб тергеу изоляторы")
    report = report_for(coordinator, place)  # sent to the authority
    open_rec = recommendation(coordinator, report, text="HUB-OPEN: examine every new arrival.")
    closed_rec = recommendation(
        coordinator, report, text="HUB-CLOSED: repair the roof.", status="implemented"
    )
    # A second visit whose report is approved but not sent: its recommendation is not the liaison's yet.
    draft = report_for(coordinator, place, Report.Status.APPROVED)
    draft_rec = recommendation(coordinator, draft, text="HUB-DRAFT: not released to the authority.")
    insider = make_user("ivan", Role.MONITOR)
    plan = PlanFactory()
    secret = planned_visit(
        plan,
        facility=place,
        announced=False,
        starts_on=datetime.date.fromisoformat(SECRET_DAY),
        members=[(participant(user=insider), "leader")],
    )
    planned_visit(plan, facility=place, announced=True, starts_on=datetime.date.fromisoformat(ANNOUNCED_DAY))
    PublicReport.objects.create(
        report=report, lang="en", source={}, status=PublicReport.Status.PUBLISHED, published_at=timezone.now()
    )
    return Hub(place, open_rec, closed_rec, draft_rec, secret, insider)


def _page(client: Client, place: Facility, status: int = 200) -> str:
    response = client.get(reverse("facilities:detail", args=[place.pk]))
    assert response.status_code == status
    return response.content.decode()


def _secret_reads(user: User) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="planning.plannedvisit", actor=user
    ).count()


def test_it_shows_a_coordinator_the_place_with_its_visits_plans_risk_recommendations_and_reports(
    as_coordinator: Client, coordinator: User, hub: Hub
):
    html = _page(as_coordinator, hub.place)
    assert 'data-testid="facility-name"' in html and "Hub pre-trial centre" in html
    assert VISIT_DAY in html and 'data-testid="place-visit-count">2<' in html
    assert SECRET_DAY in html and ANNOUNCED_DAY in html
    assert "HUB-OPEN" in html and "HUB-DRAFT" in html and "HUB-CLOSED" not in html
    assert 'data-testid="place-open-count">2<' in html
    assert 'data-testid="place-risk-total"' in html
    assert 'data-testid="place-published-report"' in html
    pk = hub.place.pk
    assert f'href="/visits/?facility={pk}"' in html
    assert f'href="/recommendations/?facility={pk}&amp;status_group=open"' in html
    assert reverse("planning:risk_detail", args=[pk]) in html
    assert reverse("public:report_any", args=[hub.open_rec.report_id]) in html
    # Showing the secret planned visit is audited, like every page that lists one.
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.READ, object_type="planning.plannedvisit", actor=coordinator
    )
    assert event.changes["ids"] == [hub.secret.pk] and event.changes["via"] == "place_page"


def test_the_full_lists_it_links_to_hold_the_same_rows(as_coordinator: Client, hub: Hub):
    visits = as_coordinator.get("/visits/", {"facility": hub.place.pk})
    assert visits.context["page"].paginator.count == 2
    recs = as_coordinator.get("/recommendations/", {"facility": hub.place.pk, "status_group": "open"})
    assert set(recs.context["page"]) == {hub.open_rec, hub.draft_rec}


def test_a_council_member_never_sees_the_secret_planned_visit(as_council: Client, council: User, hub: Hub):
    html = _page(as_council, hub.place)
    assert ANNOUNCED_DAY in html and VISIT_DAY in html  # council members read every visit and plan
    assert SECRET_DAY not in html
    assert 'data-testid="place-planned-count">1<' in html
    assert _secret_reads(council) == 0


def test_a_monitor_outside_the_group_sees_neither_the_secret_visit_nor_others_visits(hub: Hub):
    outsider = make_user("bob", Role.MONITOR)
    html = _page(client_for(outsider), hub.place)
    assert ANNOUNCED_DAY in html
    assert SECRET_DAY not in html
    # Not on the team: no visit of the place (its published report is public, the visit is not).
    assert 'data-testid="place-visit-count">0<' in html and 'data-testid="place-visit"' not in html
    assert reverse("visits:detail", args=[hub.open_rec.report.visit_id]) not in html
    assert _secret_reads(outsider) == 0


def test_a_member_of_the_group_sees_the_secret_visit_and_the_reading_is_audited(hub: Hub):
    html = _page(client_for(hub.insider), hub.place)
    assert SECRET_DAY in html
    assert _secret_reads(hub.insider) == 1


def test_a_liaison_sees_its_released_recommendations_and_nothing_of_visits_or_plans(
    as_liaison: Client, hub: Hub
):
    html = _page(as_liaison, hub.place)
    assert "HUB-OPEN" in html
    assert "HUB-DRAFT" not in html and "HUB-CLOSED" not in html
    assert 'data-testid="place-open-count">1<' in html
    for section in ("place-visits", "place-planned-visits", "place-risk"):
        assert f'data-testid="{section}"' not in html, section
    assert SECRET_DAY not in html and ANNOUNCED_DAY not in html and "/visits/" not in html
    portal = f"{reverse('recommendations:portal_recommendations')}?status=open&amp;facility={hub.place.pk}"
    assert portal in html
    listed = as_liaison.get(
        reverse("recommendations:portal_recommendations"), {"status": "open", "facility": hub.place.pk}
    )
    assert [r.pk for r in listed.context["page"]] == [hub.open_rec.pk]


def test_a_liaison_of_another_authority_finds_nothing_of_the_place(as_other_liaison: Client, hub: Hub):
    _page(as_other_liaison, hub.place, status=404)
    pk = hub.place.pk
    portal = as_other_liaison.get(
        reverse("recommendations:portal_recommendations"), {"status": "open", "facility": pk}
    )
    assert portal.status_code == 200 and portal.context["page"].paginator.count == 0
    assert "Hub pre-trial centre" not in portal.content.decode()  # the id names nothing
    api = as_other_liaison.get("/api/v1/recommendations/", {"facility": pk})
    assert api.status_code == 200 and api.json()["count"] == 0
    api = as_other_liaison.get("/api/v1/recommendations/", {"q": "хаб"})
    assert api.json()["count"] == 0
    assert as_other_liaison.get("/visits/", {"facility": pk}).status_code == 403


def test_a_trainer_and_an_anonymous_visitor_do_not_get_the_place(
    as_trainer: Client, anonymous: Client, hub: Hub
):
    _page(as_trainer, hub.place, status=404)
    response = anonymous.get(reverse("facilities:detail", args=[hub.place.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_hub_reads_a_bounded_number_of_queries(
    as_coordinator: Client, coordinator: User, hub: Hub, django_assert_max_num_queries
):
    url = reverse("facilities:detail", args=[hub.place.pk])
    # 24: the audit entry is chained (a savepoint and a read of the chain's head, decision 0015; on
    # PostgreSQL one more, the advisory lock that orders the chain) and a coordinator's menu counts
    # failing e-mails (decision 0017); none of these grows with the data.
    with django_assert_max_num_queries(24 + AUDIT_LOCK) as small:
        as_coordinator.get(url)
    # Many more visits, recommendations, planned visits and published reports: not one query more.
    for n in range(12):
        report = report_for(coordinator, hub.place)
        recommendation(coordinator, report, text=f"More work number {n}")
        PublicReport.objects.create(
            report=report,
            lang="ru",
            source={},
            status=PublicReport.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        planned_visit(
            hub.secret.plan,
            facility=hub.place,
            announced=bool(n % 2),
            starts_on=datetime.date(2027, 6, 1) + datetime.timedelta(days=n),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_coordinator.get(url)
    html = response.content.decode()
    assert 'data-testid="place-visit-count">14<' in html
    assert html.count('data-testid="place-visit"') == 10  # the latest ten, the rest one link away
    assert html.count('data-testid="place-open-recommendation"') == 10
