"""The home page per role (dozor.web.home_page): what awaits each persona, and what never shows -
another authority's recommendations and letters to a liaison, a secret planned visit to a council
member or a monitor outside its group - with the same number of queries however many rows wait."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Authority, VisitType
from dozor.planning.models import PlannedVisit
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit
from dozor.recommendations.models import Letter, Recommendation, Response
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.training.models import Certificate, Enrolment, Event
from dozor.training.selectors import certificate_refusal, certificates_to_issue
from dozor.training.tests.factories import EnrolmentFactory, EventFactory
from dozor.visits.models import Report
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

PAST = datetime.date(2025, 6, 1)  # a deadline long gone


@dataclass
class World:
    kuis_open: Recommendation
    kuis_answered: Recommendation
    mz_open: Recommendation
    secret: PlannedVisit
    announced: PlannedVisit
    draft: Report
    review: Report
    event: Event
    insider: User


def _letter(number: str, subject: str, code: str, actor: User) -> Letter:
    return Letter.objects.create(
        direction=Letter.Direction.OUTGOING,
        number=number,
        registered_on=PAST,
        authority=Authority.objects.get(code=code),
        subject=subject,
        due_on=PAST,
        created_by=actor,
    )


def _build(coordinator: User, council: User, monitor: User, trainer: User, tag: str = "") -> World:
    today = timezone.localdate()
    kuis = kuis_place(name_en=f"HOME-KUIS-PLACE{tag}")
    mz = health_place(name_en=f"HOME-MZ-PLACE{tag}")
    sent = report_for(coordinator, kuis)
    kuis_open = recommendation(coordinator, sent, text=f"HOME-KUIS-OPEN{tag} examine arrivals", deadline=PAST)
    kuis_answered = recommendation(coordinator, sent, text=f"HOME-KUIS-ANSWERED{tag} fix the roof")
    Response.objects.create(
        recommendation=kuis_answered, authority=Authority.objects.get(code="KUIS"), text="Roof repaired."
    )
    mz_open = recommendation(
        coordinator, facility=mz, text=f"HOME-MZ-OPEN{tag} drinking water", deadline=PAST
    )
    _letter(f"HOME-L-KUIS{tag}", f"HOME-LETTER-KUIS{tag}", "KUIS", coordinator)
    _letter(f"HOME-L-MZ{tag}", f"HOME-LETTER-MZ{tag}", "MZ", coordinator)

    insider = User.objects.filter(username="ivan").first() or make_user("ivan", Role.MONITOR)
    plan = PlanFactory() if not tag else PlannedVisit.objects.first().plan  # type: ignore[union-attr]
    ahead = today + datetime.timedelta(days=20)
    secret = planned_visit(
        plan,
        facility=kuis,
        announced=False,
        starts_on=ahead,
        members=[(participant(user=insider), "leader"), (participant(user=coordinator), "member")]
        if not tag
        else [(insider.person, "leader"), (coordinator.person, "member")],  # type: ignore[attr-defined]
    )
    announced = planned_visit(
        plan,
        facility=mz,
        announced=True,
        starts_on=ahead + datetime.timedelta(days=10),
        members=[(participant(user=council), "leader")] if not tag else [(council.person, "leader")],  # type: ignore[attr-defined]
    )
    kind = VisitType.objects.get(code="periodic")
    on_team = visit_create(actor=coordinator, facility=kuis, visit_type=kind, started_on=PAST, team=[monitor])
    draft = Report.objects.create(visit=on_team, created_by=coordinator)
    others = visit_create(actor=coordinator, facility=mz, visit_type=kind, started_on=PAST, team=[insider])
    review = Report.objects.create(visit=others, status=Report.Status.REVIEW, created_by=coordinator)

    event = EventFactory(
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=8),
        min_attendance_percent=0,
        title_en=f"HOME-EVENT{tag}",
    )
    EnrolmentFactory(event=event)  # qualifies, no certificate yet
    EnrolmentFactory(event=event, status=Enrolment.Status.WAITLISTED)
    certified = EnrolmentFactory(event=event)
    Certificate.objects.create(enrolment=certified, code=f"HOME{tag}CERT", issued_on=today, issued_by=trainer)
    strict = EventFactory(
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=8),
        min_attendance_percent=80,
        title_en=f"HOME-STRICT{tag}",
    )
    EnrolmentFactory(event=strict)  # no attendance recorded: no certificate
    return World(kuis_open, kuis_answered, mz_open, secret, announced, draft, review, event, insider)


@pytest.fixture
def world(coordinator: User, council: User, monitor: User, trainer: User) -> World:
    return _build(coordinator, council, monitor, trainer)


def _home(client: Client) -> str:
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str, key: str) -> int | None:
    marker = f'data-testid="block-{key}-count">'
    return int(html.split(marker, 1)[1].split("<", 1)[0]) if marker in html else None


def _secret_reads(user: User) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="planning.plannedvisit", actor=user
    ).count()


def test_it_shows_a_coordinator_what_awaits_them(as_coordinator: Client, coordinator: User, world: World):
    html = _home(as_coordinator)
    assert (
        _count(html, "next-visits") == 1 and reverse("planning:visit_detail", args=[world.secret.pk]) in html
    )
    assert _count(html, "reports-to-write") == 0  # not on the team of a visit with an open report
    assert _count(html, "reports-to-approve") == 1
    assert reverse("visits:report_detail", args=[world.review.pk]) in html
    assert _count(html, "responses") == 1 and "HOME-KUIS-ANSWERED" in html
    assert _count(html, "overdue") == 2 and "HOME-KUIS-OPEN" in html and "HOME-MZ-OPEN" in html
    assert _count(html, "certificates") == 1 and "HOME-EVENT" in html and "HOME-STRICT" not in html
    assert _count(html, "unanswered") is None and _count(html, "letters") is None
    assert 'data-testid="nav-count-responses">1<' in html
    # Showing the secret planned visit is audited, like every page that lists one.
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ, object_type="planning.plannedvisit")
    assert event.actor == coordinator and event.changes == {"ids": [world.secret.pk], "via": "home"}


def test_the_counts_link_to_full_lists_holding_the_same_rows(as_coordinator: Client, world: World):
    html = _home(as_coordinator)
    overdue = as_coordinator.get(reverse("recommendations:list"), {"overdue": "on"})
    assert f'href="{reverse("recommendations:list")}?overdue=on"' in html
    assert {r.pk for r in overdue.context["page"]} == {world.kuis_open.pk, world.mz_open.pk}
    approve = as_coordinator.get(reverse("visits:list"), {"report": "review"})
    assert [v.pk for v in approve.context["page"]] == [world.review.visit_id]
    assert f'href="{reverse("visits:list")}?report=review"' in html
    responses = as_coordinator.get(reverse("recommendations:responses_to_assess"))
    assert responses.context["page"].paginator.count == 1


def test_it_shows_a_monitor_its_reports_to_write_and_nothing_secret(
    as_monitor: Client, monitor: User, world: World
):
    html = _home(as_monitor)
    assert _count(html, "reports-to-write") == 1
    assert reverse("visits:report_detail", args=[world.draft.pk]) in html
    assert _count(html, "next-visits") == 0
    assert reverse("planning:visit_detail", args=[world.secret.pk]) not in html
    assert world.secret.starts_on.isoformat() not in html
    for key in ("reports-to-approve", "responses", "overdue", "unanswered", "letters", "certificates"):
        assert _count(html, key) is None, key
    assert _secret_reads(monitor) == 0
    mine = as_monitor.get(reverse("visits:list"), {"report": "open", "mine": "on"})
    assert [v.pk for v in mine.context["page"]] == [world.draft.visit_id]


def test_the_group_member_sees_the_secret_visit_and_the_reading_is_audited(world: World):
    html = _home(client_for(world.insider))
    assert _count(html, "next-visits") == 1 and world.secret.starts_on.isoformat() in html
    assert _count(html, "reports-to-write") == 1  # in review, on the insider's visit
    assert _secret_reads(world.insider) == 1


def test_a_council_member_sees_overdue_recommendations_and_never_the_secret_visit(
    as_council: Client, council: User, world: World
):
    html = _home(as_council)
    assert _count(html, "next-visits") == 1
    assert reverse("planning:visit_detail", args=[world.announced.pk]) in html
    assert reverse("planning:visit_detail", args=[world.secret.pk]) not in html
    assert world.secret.starts_on.isoformat() not in html
    assert _count(html, "overdue") == 2
    for key in ("reports-to-write", "reports-to-approve", "responses", "certificates", "unanswered"):
        assert _count(html, key) is None, key
    assert _secret_reads(council) == 0


def test_a_monitor_off_the_group_never_sees_the_secret_visit(world: World):
    outsider = make_user("oleg", Role.MONITOR)
    html = _home(client_for(outsider))
    assert _count(html, "next-visits") == 0 and world.secret.starts_on.isoformat() not in html
    assert _count(html, "reports-to-write") == 0
    assert _secret_reads(outsider) == 0


def test_a_liaison_sees_its_authoritys_unanswered_recommendations_and_letters(
    as_liaison: Client, world: World
):
    html = _home(as_liaison)
    assert _count(html, "unanswered") == 1 and "HOME-KUIS-OPEN" in html
    assert reverse("recommendations:portal_recommendation", args=[world.kuis_open.pk]) in html
    assert "HOME-KUIS-ANSWERED" not in html and "HOME-MZ" not in html
    assert _count(html, "letters") == 1 and "HOME-LETTER-KUIS" in html
    assert 'data-testid="nav-count-portal">1<' in html
    for key in ("next-visits", "reports-to-write", "responses", "overdue", "certificates"):
        assert _count(html, key) is None, key
    listed = as_liaison.get(reverse("recommendations:portal_recommendations"), {"status": "unanswered"})
    assert [r.pk for r in listed.context["page"]] == [world.kuis_open.pk]
    letters = as_liaison.get(reverse("recommendations:letter_list"), {"unanswered": "on"})
    assert [letter.subject for letter in letters.context["page"]] == ["HOME-LETTER-KUIS"]


def test_a_liaison_of_another_authority_sees_none_of_kuis_items(as_other_liaison: Client, world: World):
    html = _home(as_other_liaison)
    assert "HOME-KUIS" not in html and "HOME-LETTER-KUIS" not in html
    assert _count(html, "letters") == 1 and "HOME-LETTER-MZ" in html
    # The MZ recommendation came from no report: released to the Ministry of Health at once.
    assert _count(html, "unanswered") == 1 and "HOME-MZ-OPEN" in html
    assert world.secret.starts_on.isoformat() not in html


def test_a_trainer_sees_the_certificates_to_issue(as_trainer: Client, trainer: User, world: World):
    html = _home(as_trainer)
    assert _count(html, "certificates") == 1
    assert reverse("training:event", args=[world.event.pk]) in html and "HOME-STRICT" not in html
    for key in ("next-visits", "reports-to-write", "overdue", "unanswered", "letters", "responses"):
        assert _count(html, key) is None, key
    # The same rule as the certificate page: exactly the enrolments certificate_refusal lets through.
    allowed = [
        e for e in Enrolment.objects.select_related("event", "person") if certificate_refusal(e) is None
    ]
    due = certificates_to_issue(trainer, timezone.localdate())
    assert sum(row.count for row in due) == len(allowed) == 1


def test_an_anonymous_visitor_gets_the_public_links(anonymous: Client):
    html = _home(anonymous)
    assert 'href="/public/"' in html and 'href="/verify/"' in html
    assert 'data-testid="home-blocks"' not in html


PERSONAS = ["coordinator", "council", "monitor", "liaison", "other_liaison", "trainer"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_home_page_takes_the_same_queries_however_much_awaits(
    request: pytest.FixtureRequest,
    persona: str,
    coordinator: User,
    council: User,
    monitor: User,
    trainer: User,
    world: World,
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    client.get(reverse("web:home"))  # warm caches (country pack, sessions)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:home")).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(1, 8):  # more than a block lists: the counts take their own query
        _build(coordinator, council, monitor, trainer, tag=f"-{n}")
    many = queries()
    assert many <= few + 7, (few, many)  # at most one count query per block more, never one per row
    assert many <= 30
