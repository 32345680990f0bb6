"""The recommendations dashboard (dozor.recommendations.dashboard.selectors, views_dashboard): figures checked
against counts made independently on a hand-made data set, access, and bounded queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dozor.accounts.models import User
from dozor.core.models import Authority
from dozor.facilities.models import Facility
from dozor.recommendations.dashboard.selectors import Row, chart_for, dashboard_build
from dozor.recommendations.models import Recommendation, Status
from dozor.recommendations.tests.factories import health_place, kuis_place
from dozor.standards.models import Theme

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
PAST = datetime.date(2025, 6, 30)
FUTURE = datetime.date(2030, 1, 1)


def rec(
    user: User,
    *,
    status: str,
    issued: datetime.date,
    facility: Facility | None = None,
    authority: str | None = None,
    addressee: str = Recommendation.Addressee.FACILITY,
    theme: str = "safeguards",
    deadline: datetime.date | None = None,
    repeat_of: Recommendation | None = None,
    text: str = "Ensure a medical examination on admission.",
) -> Recommendation:
    return Recommendation.objects.create(
        source=Recommendation.Source.OTHER,
        addressee=addressee,
        facility=facility,
        authority=Authority.objects.get(code=authority)
        if authority
        else (facility.authority if facility else None),
        theme=Theme.objects.get(code=theme),
        text_en=text,
        issued_on=issued,
        deadline=deadline,
        status=Status.objects.get(code=status),
        repeat_of=repeat_of,
        created_by=user,
    )


@dataclass
class Data:
    prison: Facility  # KUIS (liaison lena)
    hospital: Facility  # MZ (liaison omar)
    recs: list[Recommendation]


@pytest.fixture
def data(coordinator: User) -> Data:
    prison = kuis_place(name_en="Karaganda SIZO")
    hospital = health_place(name_en="Almaty psychiatric hospital")
    y24, y25 = datetime.date(2024, 3, 1), datetime.date(2025, 3, 1)
    r1 = rec(coordinator, status="implemented", issued=y24, facility=prison, deadline=PAST)
    r2 = rec(
        coordinator,
        status="partially_implemented",
        issued=y24,
        facility=prison,
        theme="treatment",
        deadline=PAST,
    )
    r3 = rec(coordinator, status="no_response", issued=y25, facility=prison, deadline=PAST, repeat_of=r2)
    r4 = rec(coordinator, status="no_longer_relevant", issued=y25, facility=prison, deadline=PAST)
    r5 = rec(coordinator, status="implemented", issued=y25, facility=hospital)
    r6 = rec(coordinator, status="rejected", issued=y25, facility=hospital, deadline=PAST)
    r7 = rec(coordinator, status="in_progress", issued=y25, facility=hospital, deadline=FUTURE, repeat_of=r5)
    r8 = rec(
        coordinator,
        status="no_response",
        issued=y25,
        authority="MZ",
        addressee=Recommendation.Addressee.AUTHORITY,
        deadline=PAST,
        text="Amend the order on psychiatric admissions (MZ only).",
    )
    r9 = rec(
        coordinator,
        status="implemented",
        issued=y24,
        addressee=Recommendation.Addressee.GOVERNMENT,
        theme="treatment",
    )
    return Data(prison=prison, hospital=hospital, recs=[r1, r2, r3, r4, r5, r6, r7, r8, r9])


def expected(recs: list[Recommendation]) -> Row:
    """The figures counted one recommendation at a time, without the dashboard's code."""
    row = Row(key=None, label="")
    for r in recs:
        row.total += 1
        row.implemented += r.status.outcome == Status.Outcome.IMPLEMENTED
        row.partial += r.status.outcome == Status.Outcome.PARTIAL
        row.withdrawn += r.status.outcome == Status.Outcome.WITHDRAWN
        row.overdue += r.deadline is not None and r.deadline < TODAY and not r.status.closed
        row.repeated += r.repeat_of_id is not None
    return row


def figures(row: Row) -> tuple[int, ...]:
    return (row.total, row.implemented, row.partial, row.withdrawn, row.overdue, row.repeated)


def test_the_totals_follow_the_documented_definitions(coordinator, data):
    board = dashboard_build(coordinator, today=TODAY)
    totals = board.totals
    assert figures(totals) == (9, 3, 1, 1, 3, 2)
    assert totals.counted == 8  # "no longer relevant" is left out of the denominator
    assert totals.rate == pytest.approx(37.5)  # 3 implemented of 8
    assert totals.partial_rate == pytest.approx(12.5)  # shown apart, not added
    assert figures(totals) == figures(expected(data.recs))
    assert board.overdue_count == 3
    # the longest overdue first (same deadline: in the order issued)
    assert [r.pk for r in board.overdue] == [data.recs[1].pk, data.recs[2].pk, data.recs[7].pk]
    assert {r.pk for r in board.repeats} == {data.recs[2].pk, data.recs[6].pk}


def test_every_breakdown_equals_independent_counts(coordinator, data):
    board = dashboard_build(coordinator, today=TODAY)
    keys = {
        "authority": lambda r: r.authority_id,
        "region": lambda r: r.facility.region_id if r.facility else None,
        "facility_type": lambda r: r.facility.type_id if r.facility else None,
        "theme": lambda r: r.theme_id,
        "year": lambda r: r.issued_on.year,
    }
    for name, key in keys.items():
        groups: dict[object, list[Recommendation]] = {}
        for r in data.recs:
            groups.setdefault(key(r), []).append(r)
        rows = board.breakdown(name).rows
        assert {row.key for row in rows} == set(groups), name
        for row in rows:
            assert figures(row) == figures(expected(groups[row.key])), (name, row.label)
        assert sum(row.total for row in rows) == 9


def test_the_authority_breakdown_counts_repeats_and_names_the_groups(coordinator, data):
    rows = {row.label: row for row in dashboard_build(coordinator, today=TODAY).breakdown("authority").rows}
    kuis = Authority.objects.get(code="KUIS").short
    mz = Authority.objects.get(code="MZ").short
    assert (rows[kuis].total, rows[kuis].repeated, rows[kuis].counted) == (4, 1, 3)
    assert (rows[mz].total, rows[mz].repeated, rows[mz].overdue) == (4, 1, 1)
    assert rows["Government or Parliament"].total == 1


def test_the_filters_narrow_every_figure_but_the_trend(coordinator, data):
    board = dashboard_build(coordinator, year=2024, today=TODAY)
    assert figures(board.totals) == figures(expected([r for r in data.recs if r.issued_on.year == 2024]))
    assert sum(row.total for row in board.breakdown("theme").rows) == 3
    assert {row.key for row in board.breakdown("year").rows} == {2024, 2025}  # the trend stays
    assert board.years == [2025, 2024]
    mvd = Authority.objects.get(code="MVD")  # KUIS sits under the Interior Ministry
    board = dashboard_build(coordinator, authority=mvd, today=TODAY)
    assert figures(board.totals) == figures(expected(data.recs[:4]))
    assert all(r.facility == data.prison for r in board.overdue)


def test_a_liaison_sees_the_figures_of_its_own_authority_only(liaison, other_liaison, data):
    lena = dashboard_build(liaison, today=TODAY)
    assert figures(lena.totals) == figures(expected(data.recs[:4]))
    assert {a.code for a in lena.authorities} == {"KUIS"} | {
        a.code for a in Authority.objects.filter(path__startswith=liaison.authority.path)
    }
    assert lena.reprisals is None
    omar = dashboard_build(other_liaison, today=TODAY)
    assert figures(omar.totals) == figures(expected(data.recs[4:8]))


def test_the_page_shows_the_figures_and_hides_other_authorities_from_a_liaison(
    as_coordinator, as_liaison, data
):
    page = as_coordinator.get(reverse("recommendations:dashboard")).content.decode()
    assert 'data-testid="total">9<' in page
    assert page.count('data-testid="chart"') == 5
    assert 'role="img"' in page and 'id="table-authority"' in page
    response = as_liaison.get(reverse("recommendations:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="total">4<' in page
    assert "Almaty psychiatric hospital" not in page and "MZ only" not in page
    filtered = as_coordinator.get(reverse("recommendations:dashboard"), {"year": "2024", "authority": "KUIS"})
    assert 'data-testid="total">2<' in filtered.content.decode()
    junk = as_coordinator.get(reverse("recommendations:dashboard"), {"year": "x", "authority": "<script>"})
    assert junk.status_code == 200


def test_trainers_and_anonymous_users_get_nothing(as_trainer, anonymous, trainer, data):
    assert as_trainer.get(reverse("recommendations:dashboard")).status_code == 404
    assert anonymous.get(reverse("recommendations:dashboard")).status_code == 302
    assert dashboard_build(trainer, today=TODAY).totals.total == 0


def _many(user: User, count: int) -> None:
    prison, hospital = kuis_place(), health_place()
    statuses = list(Status.objects.all())
    themes = list(Theme.objects.all())
    previous = None
    for n in range(count):
        issued = datetime.date(2022 + n % 4, 1 + n % 12, 1)
        made = rec(
            user,
            status=statuses[n % len(statuses)].code,
            issued=issued,
            facility=prison if n % 3 else hospital,
            theme=themes[n % len(themes)].code,
            deadline=max(PAST, issued) if n % 2 else FUTURE,  # a deadline is never before the issue
            repeat_of=previous if n % 5 == 0 else None,
        )
        previous = made


@pytest.mark.parametrize("role", ["coordinator", "liaison"])
def test_the_number_of_queries_does_not_grow_with_the_data(request, role, django_assert_max_num_queries):
    user = request.getfixturevalue(role)
    client = request.getfixturevalue(f"as_{role}")
    coordinator = request.getfixturevalue("coordinator")
    url = reverse("recommendations:dashboard")
    counts = []
    for size in (5, 50):
        _many(coordinator, size if not counts else size - 5)
        client.get(url)  # session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
        with django_assert_max_num_queries(11):
            dashboard_build(user)
    assert counts[0] == counts[1]
    assert Recommendation.objects.count() == 50


def test_the_chart_scales_the_bars_to_the_rates():
    rows = [
        Row(key=1, label="Half", total=4, implemented=2, partial=1),
        Row(key=2, label="None counted", total=1, withdrawn=1),
    ]
    chart = chart_for(rows)
    assert chart.widths(chart.bars[0]) == pytest.approx([chart.plot_width / 2, chart.plot_width / 4])
    assert chart.bars[0].note == "50%"
    assert chart.bars[1].note == "—" and chart.widths(chart.bars[1]) == [0, 0]
