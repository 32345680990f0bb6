"""Every number in an SVG attribute is written with a dot, whatever the language of the page.

Russian and Kazakh write decimals with a comma (553,6): a coordinate that reached SVG through
Django's localised formatting made ``viewBox="0 0 1000 553,6"``, which browsers reject. Each page
or fragment that draws SVG is rendered in ru and kk and every numeric attribute of every SVG in it
is parsed (``dozor.core.charts.svg_number`` writes them)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from dozor.accounts.models import User
from dozor.facilities.tests.factories import FacilityFactory, OccupancyFactory
from dozor.planning.models import Incident
from dozor.planning.tests.factories import PlanFactory, planned_visit
from dozor.publishing.annual.figures import bar_chart
from dozor.recommendations.tests.factories import kuis_place, recommendation
from dozor.visits.reports.content import HistoryPoint
from dozor.visits.reports.documents import occupancy_svg

pytestmark = pytest.mark.django_db

LANGUAGES = ["ru", "kk"]  # both write 553,6
NUMBER = r"-?\d+(?:\.\d+)?"
PAIR = rf"{NUMBER},{NUMBER}"
SINGLE = {
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "font-size",
    "stroke-width",
}
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def bad_numbers(markup: str) -> list[str]:
    """``tag name="value"`` for every numeric attribute that is not a dot-decimal number."""
    bad = []
    for element in ElementTree.fromstring(markup).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        for name, value in element.attrib.items():
            if name in SINGLE:
                ok = re.fullmatch(NUMBER, value)
            elif name == "viewBox":
                ok = re.fullmatch(rf"{NUMBER}(?: {NUMBER}){{3}}", value)
            elif name == "points":
                ok = re.fullmatch(rf"{PAIR}(?: {PAIR})*", value)
            elif name == "d":  # the map draws with M, L and Z only
                ok = re.fullmatch(rf"(?:M{PAIR}(?:L{PAIR})*Z)+", value)
            else:
                continue
            if not ok:
                bad.append(f'{tag} {name}="{value}"')
    return bad


def svgs(html: str) -> list[str]:
    found = SVG.findall(html)
    assert found, "no SVG on the page"
    return found


def assert_dot_decimals(html: str) -> None:
    problems = [problem for markup in svgs(html) for problem in bad_numbers(markup)]
    assert problems == []


def page(client: Client, url: str, lang: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, url
    assert response["Content-Language"] == lang
    return response.content.decode()


def test_the_checker_catches_a_decimal_comma() -> None:
    assert bad_numbers('<svg viewBox="0 0 1000 553,6"><rect x="1,5" y="2" width="3" height="4"/></svg>') == [
        'svg viewBox="0 0 1000 553,6"',
        'rect x="1,5"',
    ]
    assert bad_numbers('<svg><polyline points="1,5,2,5 3,4"/><path d="M1,5,2L3,4Z"/></svg>') == [
        'polyline points="1,5,2,5 3,4"',
        'path d="M1,5,2L3,4Z"',
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_occupancy_chart_of_a_place(as_coordinator: Client, lang: str) -> None:
    facility = FacilityFactory(capacity=130)
    for day, population in ((1, 55), (2, 97), (3, 141)):
        OccupancyFactory(
            facility=facility, date=datetime.date(2025, 1, day), capacity=130, population=population
        )
    assert_dot_decimals(page(as_coordinator, reverse("facilities:detail", args=[facility.pk]), lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_registry_map(as_coordinator: Client, lang: str) -> None:
    FacilityFactory(latitude=Decimal("49.806"), longitude=Decimal("73.085"))
    html = page(as_coordinator, reverse("facilities:map"), lang)
    assert 'data-testid="map"' in html and "<circle" in html
    assert_dot_decimals(html)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_recommendations_dashboard(coordinator: User, as_coordinator: Client, lang: str) -> None:
    place = kuis_place()
    for status in ("implemented", "partially_implemented", "in_progress"):
        recommendation(coordinator, facility=place, authority=place.authority, status=status)
    html = page(as_coordinator, reverse("recommendations:dashboard"), lang)
    assert 'data-testid="chart"' in html
    assert_dot_decimals(html)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_risk_bars(as_coordinator: Client, lang: str) -> None:
    facility = FacilityFactory(capacity=100, population=133)
    Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.DEATH,
        occurred_on=timezone.localdate() - datetime.timedelta(days=30),
        summary="Death of a detainee in a cell",
    )
    assert_dot_decimals(page(as_coordinator, reverse("planning:risk_list"), lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_budget_bars(as_coordinator: Client, lang: str) -> None:
    plan = PlanFactory(budget=Decimal("1000000"))
    planned_visit(plan, estimated_cost=Decimal("123456.78"))
    planned_visit(plan, estimated_cost=Decimal("98765.43"))
    assert_dot_decimals(page(as_coordinator, reverse("planning:plan_budget", args=[plan.pk]), lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_charts_drawn_for_documents(lang: str) -> None:
    history = [
        HistoryPoint(date=datetime.date(2025, m, 1), capacity=130, population=p, from_visit=m == 2)
        for m, p in ((1, 55), (2, 97), (3, 141))
    ]
    with translation.override(lang):
        assert_dot_decimals(occupancy_svg(history))
        assert_dot_decimals(bar_chart("Visits by region", [("Karaganda", 7), ("Almaty", 3)]).svg())
