"""Journey, in Kazakh on a phone: the KUIS liaison signs in and its home page lists the
recommendations its authority has not answered yet (not the answered one, nothing of another
authority), with a count that opens the full filtered list in the portal.
Screenshots: test-artifacts/home-liaison-kk-390.png and home-liaison-unanswered-kk-390.png."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.core.models import Authority
from dozor.recommendations.models import Response
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.web.tests.browser import JOURNEY_PASSWORD, ConsoleWatcher, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPEN_KK = "Әрбір жаңа келген адамды 24 сағат ішінде дәрігер тексеруі тиіс."
SECOND_KK = "Серуендеу алаңын жөндеу қажет."
ANSWERED_KK = "Ауыз су үнемі қолжетімді болуы тиіс."
OTHER_KK = "Психиатриялық бөлімшеде шақыру батырмасын орнату қажет."


def test_the_liaison_finds_its_unanswered_recommendations_on_its_home_page(
    browser: Any, live_server: Any, page: Any
) -> None:
    alice = User.objects.create_user(username="alice", password=JOURNEY_PASSWORD, role=Role.COORDINATOR)
    kuis = Authority.objects.get(code="KUIS")
    User.objects.create_user(
        username="lena", password=JOURNEY_PASSWORD, role=Role.LIAISON, authority=kuis, first_name="Лена"
    )
    place = kuis_place(name_kk="Өскемен қаласының тергеу изоляторы", name_en="Oskemen pre-trial centre")
    report = report_for(alice, place)  # sent to the authority
    first = recommendation(alice, report, text_kk=OPEN_KK, text_en="Examine every arrival.")
    recommendation(
        alice, report, text_kk=SECOND_KK, text_en="Repair the yard.", deadline=datetime.date(2025, 6, 1)
    )
    answered = recommendation(alice, report, text_kk=ANSWERED_KK, text_en="Provide drinking water.")
    Response.objects.create(recommendation=answered, authority=kuis, text="Су құбыры жөнделді.")
    recommendation(alice, facility=health_place(), text_kk=OTHER_KK, text_en="Install a call button.")

    console = ConsoleWatcher()
    context, home = sign_in(browser, live_server, "lena", console, language="kk")
    home.set_viewport_size({"width": 390, "height": 844})
    home.goto(live_server.url + "/")
    block = home.locator("[data-testid=block-unanswered]")
    expect(block).to_contain_text(OPEN_KK[:30])
    expect(block).to_contain_text(SECOND_KK[:20])
    expect(block).not_to_contain_text(ANSWERED_KK[:20])
    expect(home.locator("main")).not_to_contain_text(OTHER_KK[:20])
    expect(home.locator("[data-testid=block-unanswered-count]")).to_have_text("2")
    expect(block.locator("h3")).to_contain_text("жауабыңызды")  # the block's title, in Kazakh
    screenshot(home, "home-liaison-kk-390")

    with home.expect_navigation():
        home.locator("[data-testid=block-unanswered-link]").click()
    assert "status=unanswered" in home.url
    listed = home.locator("main")
    expect(
        listed.locator(f"a[href='/recommendations/portal/recommendations/{first.pk}/']").first
    ).to_be_visible()
    expect(listed).to_contain_text(OPEN_KK[:30])
    expect(listed).to_contain_text(SECOND_KK[:20])
    expect(listed).not_to_contain_text(ANSWERED_KK[:20])
    screenshot(home, "home-liaison-unanswered-kk-390")

    overflow = home.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
    assert console.errors == []
