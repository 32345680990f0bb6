from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Region
from dozor.planning import selectors
from dozor.planning.budget.tests.helpers_budget import DAY, place
from dozor.planning.models import Expense, Plan, PlannedVisit
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan() -> Plan:
    return PlanFactory(budget=Decimal("1000000"))


def visit(
    plan: Plan, cost: str, *, announced: bool = True, members: list | None = None, **kwargs: object
) -> PlannedVisit:  # type: ignore[type-arg]
    return planned_visit(plan, announced=announced, estimated_cost=Decimal(cost), members=members, **kwargs)


def urls(plan: Plan, pv: PlannedVisit) -> list[str]:
    return [
        reverse("planning:plan_budget", args=[plan.pk]),
        reverse("planning:plan_actuals", args=[plan.pk]),
        reverse("planning:plan_actuals_xlsx", args=[plan.pk]),
        reverse("planning:rates"),
    ]


# --- selectors: secrecy ------------------------------------------------------------------------


def test_totals_hide_secret_visits_from_those_outside_the_group(
    plan: Plan, coordinator: User, council: User, monitor: User
) -> None:
    visit(plan, "100000")
    visit(plan, "250000", announced=False, facility=place(region=Region.objects.get(code="AST")))
    visit(plan, "7000", status=PlannedVisit.Status.CANCELLED)
    assert selectors.budget_totals(coordinator, plan).total == Decimal("350000")
    for user in (council, monitor):
        totals = selectors.budget_totals(user, plan)
        assert totals.total == Decimal("100000") and totals.visits == 1
        assert [row.label for row in totals.by_region] == ["Karaganda Region"]
        assert [
            r.visit for r in selectors.plan_vs_actual(user, plan).visits if r.visit and not r.visit.announced
        ] == []


def test_a_monitor_in_the_group_sees_the_secret_visit(plan: Plan, monitor: User) -> None:
    me = participant(user=monitor)
    visit(plan, "250000", announced=False, members=[(me, "leader")])
    assert selectors.budget_totals(monitor, plan).total == Decimal("250000")
    assert len(selectors.plan_vs_actual(monitor, plan).visits) == 1


def test_totals_by_region_quarter_authority_and_reserve(plan: Plan, coordinator: User) -> None:
    visit(plan, "100000")
    visit(plan, "50000", starts_on=datetime.date(plan.year, 8, 1), facility=place("PSYCH_HOSPITAL"))
    totals = selectors.budget_totals(coordinator, plan)
    assert {row.label: row.amount for row in totals.by_quarter} == {
        f"{plan.year}, quarter 1": Decimal("100000"),
        f"{plan.year}, quarter 3": Decimal("50000"),
    }
    assert totals.reserve == Decimal("150000.00")
    assert totals.remaining == Decimal("1000000") - Decimal("150000") - Decimal("150000")
    assert len(totals.by_authority) == 2 and len(totals.by_ministry) == 2
    assert totals.by_region[0].percent == 100


def test_plan_vs_actual_sums_expenses(plan: Plan, coordinator: User) -> None:
    pv = visit(plan, "100000")
    Expense.objects.create(planned_visit=pv, category="travel", amount=Decimal("60000"), spent_on=DAY)
    Expense.objects.create(planned_visit=pv, category="per_diem", amount=Decimal("55000"), spent_on=DAY)
    report = selectors.plan_vs_actual(coordinator, plan)
    assert report.visits[0].actual == Decimal("115000")
    assert report.visits[0].difference == Decimal("15000")
    assert report.regions[0].estimated == Decimal("100000")
    assert report.total.actual == Decimal("115000")


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["as_coordinator", "as_council", "as_monitor"])
def test_readers_see_the_pages(request: pytest.FixtureRequest, plan: Plan, persona: str) -> None:
    client: Client = request.getfixturevalue(persona)
    pv = visit(plan, "123456")
    for url in urls(plan, pv):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("planning:plan_budget", args=[plan.pk])).content.decode()
    assert "123,456" in page or "123456" in page


@pytest.mark.parametrize("persona", ["as_liaison", "as_trainer"])
def test_liaisons_and_trainers_get_nothing(request: pytest.FixtureRequest, plan: Plan, persona: str) -> None:
    client: Client = request.getfixturevalue(persona)
    pv = visit(plan, "1")
    for url in urls(plan, pv):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("planning:rates")).status_code == 403
    assert client.get(reverse("planning:expense_create", args=[pv.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(anonymous: Client, plan: Plan) -> None:
    pv = visit(plan, "1")
    for url in [*urls(plan, pv), reverse("planning:expense_create", args=[pv.pk])]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_the_actuals_page_records_secret_reads(as_coordinator: Client, plan: Plan) -> None:
    secret = visit(plan, "10", announced=False)
    as_coordinator.get(reverse("planning:plan_actuals", args=[plan.pk]))
    event = AuditEvent.objects.get(action="read", object_type="planning.plannedvisit")
    assert event.changes["ids"] == [secret.pk] and event.changes["via"] == "plan_actuals"


def test_a_monitor_gets_404_for_the_expense_form_and_secret_rows_stay_hidden(
    as_monitor: Client, plan: Plan
) -> None:
    secret = visit(plan, "10", announced=False)
    announced = visit(plan, "20")
    assert as_monitor.get(reverse("planning:expense_create", args=[secret.pk])).status_code == 404
    assert as_monitor.get(reverse("planning:expense_create", args=[announced.pk])).status_code == 403
    page = as_monitor.get(reverse("planning:plan_actuals", args=[plan.pk])).content.decode()
    assert f"actuals-visit-{secret.pk}" not in page and f"actuals-visit-{announced.pk}" in page


def test_the_coordinator_records_an_expense(as_coordinator: Client, plan: Plan) -> None:
    pv = visit(plan, "100")
    url = reverse("planning:expense_create", args=[pv.pk])
    assert as_coordinator.get(url).status_code == 200
    response = as_coordinator.post(
        url, {"category": "travel", "amount": "2500", "spent_on": DAY.isoformat(), "note": "bus"}
    )
    assert response.status_code == 302
    assert Expense.objects.get().amount == Decimal("2500")
    response = as_coordinator.post(url, {"category": "travel", "amount": "5", "spent_on": "2020-01-01"})
    assert response.status_code == 400 and b"before the plan" in response.content
    assert Expense.objects.count() == 1


def test_the_xlsx_export_matches_the_selector(as_coordinator: Client, plan: Plan) -> None:
    pv = visit(plan, "1000")
    Expense.objects.create(planned_visit=pv, category="travel", amount=Decimal("1500"), spent_on=DAY)
    response = as_coordinator.get(reverse("planning:plan_actuals_xlsx", args=[plan.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][5:] == (1000, 1500, 500)
    assert AuditEvent.objects.filter(action="export", object_type="planning.plan").exists()


def test_the_rates_page_lists_sources(as_council: Client) -> None:
    page = as_council.get(reverse("planning:rates")).content.decode()
    assert "Government Decree No. 256" in page and "KZT" in page


@pytest.mark.parametrize("name", ["plan_budget", "plan_actuals", "plan_actuals_xlsx"])
def test_query_counts_do_not_grow_with_visits(as_council: Client, plan: Plan, name: str) -> None:
    url = reverse(f"planning:{name}", args=[plan.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_council.get(url).status_code == 200
        return len(queries)

    visit(plan, "10")
    few = count()
    for index in range(6):
        region = Region.objects.order_by("pk")[index]
        pv = visit(
            plan, "10", facility=place(region=region), starts_on=datetime.date(plan.year, 1 + index, 2)
        )
        Expense.objects.create(planned_visit=pv, category="travel", amount=Decimal("5"), spent_on=DAY)
    assert count() == few


def test_the_rates_page_query_count(as_council: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        as_council.get(reverse("planning:rates"))
    assert len(queries) <= 10
