"""Journey, the NPM's side of recommendations, partly in Russian: the coordinator issues a
recommendation from a new visit report, is shown a similar earlier one and links it as a repeat;
registers the outgoing letter sending the report with an answer due in 10 working days counted
across Nauryz; reads the dashboard. A monitor on the follow-up visit's team sees the place's open
recommendations on the visit page; the coordinator records one as implemented, verified on site,
through the visit page's link. The authority's liaison (in Kazakh) is sent to the portal, sees both
recommendations, no reprisal figures and only her authority's letters."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import Authority, VisitType
from dozor.core.workdays import add_working_days
from dozor.recommendations.letters.services import letter_register
from dozor.recommendations.models import Letter, Recommendation, Status
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.standards.models import Theme
from dozor.visits.services import visit_create
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
EARLIER = "Ensure every newly admitted person is examined by a doctor within 24 hours."
REWORDED = "Every person admitted must be examined by a doctor within 24 hours of arrival"
REGISTERED = datetime.date(2026, 3, 19)  # Thursday before Nauryz (21-23 March, moved days off 24-25)


# the interface's own words (menu, headings, buttons, labels, table headers) in Russian/Kazakh
CHROME = (
    "nav.sidenav a, nav.sidenav h2, main h1, main h2, main h3, main th, main button, main label, "
    "main a.button, main figcaption, main .messages"
)
LATIN_ALLOWED = {"CSV", "XLSX", "PDF"}
SUBJECT = "Report on the visit to the pre-trial centre"
USER_TEXTS = (EARLIER, REWORDED, SUBJECT, "Alice", "Bob", "Lena")


def _english_left(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Interface texts still in English (Latin words) on a page shown in Russian or Kazakh."""
    left = []
    for text in page.locator(CHROME).all_inner_texts():
        for content in USER_TEXTS:  # what the users typed is not the interface
            text = text.replace(content, "")
        if set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_ALLOWED:
            left.append(text)
    return left


def _look(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, name)
    assert page.locator(CHROME).count() > 0
    assert _english_left(page) == [], name


def _sign_in(browser, live_server, username: str, console, language: str = ""):  # type: ignore[no-untyped-def]
    return sign_in(browser, live_server, username, console, language=language, password=PASSWORD)


def test_the_coordinator_issues_a_repeat_writes_to_the_authority_and_verifies_on_site(  # type: ignore[no-untyped-def]
    page, live_server, browser
):
    _unused, console = page
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    bob = User.objects.create_user(username="bob", password=PASSWORD, role=Role.MONITOR, first_name="Bob")
    kuis = Authority.objects.get(code="KUIS")
    User.objects.create_user(
        username="lena", password=PASSWORD, role=Role.LIAISON, first_name="Lena", authority=kuis
    )
    place = kuis_place(
        name_en="Synthetic pre-trial centre (recommendations journey)",
        name_ru="Условный следственный изолятор (сценарий рекомендаций)",
        name_kk="Шартты тергеу изоляторы (ұсынымдар сценарийі)",
    )
    earlier = recommendation(alice, report_for(alice, place), text=EARLIER)
    new_report = report_for(alice, place)
    follow_up = visit_create(
        actor=alice,
        facility=place,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=timezone.localdate() - datetime.timedelta(days=2),
        team=[bob],
    )
    # another authority's correspondence, which the liaison must not see
    letter_register(
        actor=alice,
        direction=Letter.Direction.OUTGOING,
        number="MZ-77/2026",
        registered_on=REGISTERED,
        subject="Report on the psychiatric hospital",
        authority=Authority.objects.get(code="MZ"),
        facility=health_place(),
        answer_within=10,
    )

    # --- 2. the coordinator issues the reworded recommendation as a repeat (in Russian) ----------
    npm, coordinator = _sign_in(browser, live_server, "alice", console, "ru")
    coordinator.click("nav.sidenav a[href='/recommendations/']")
    coordinator.wait_for_selector("[data-testid=recommendation-filters]")
    _look(coordinator, "recommendations-list-ru")
    coordinator.click("[data-testid=new-recommendation]")
    coordinator.select_option("#id_source", Recommendation.Source.VISIT_REPORT)
    coordinator.select_option("#id_report", str(new_report.pk))
    coordinator.select_option("#id_addressee", Recommendation.Addressee.FACILITY)
    coordinator.select_option("#id_theme", str(Theme.objects.get(code="safeguards").pk))
    coordinator.fill("#id_text_en", REWORDED)
    coordinator.fill("#id_issued_on", "2026-03-12")
    coordinator.click("[data-testid=save-recommendation]")
    coordinator.wait_for_selector("[data-testid=similar-recommendations]")
    similar = coordinator.inner_text("[data-testid=similar-recommendations]")
    assert EARLIER in similar and f"#{earlier.pk}" in similar
    _look(coordinator, "recommendation-similar-ru")
    coordinator.check(f"[data-testid=repeat-of-{earlier.pk}]")
    coordinator.click("[data-testid=save-recommendation]")
    coordinator.wait_for_selector("[data-testid=recommendation-title]")
    repeat = Recommendation.objects.get(text_en=REWORDED)
    assert repeat.repeat_of == earlier and repeat.report == new_report and repeat.facility == place
    assert repeat.authority == kuis
    chain = coordinator.locator("[data-testid=repeat-chain]")
    assert chain.locator(f"a[href='/recommendations/{earlier.pk}/']").count() == 1
    assert EARLIER[:60] in chain.inner_text()
    _look(coordinator, "recommendation-repeat-ru")

    # --- 3. the outgoing letter sending the report, answer due in 10 working days ------------------
    coordinator.click("nav.sidenav a[href='/recommendations/letters/']")
    coordinator.click("[data-testid=new-letter]")
    coordinator.select_option("#id_direction", Letter.Direction.OUTGOING)
    coordinator.fill("#id_number", "04-12/345")
    coordinator.fill("#id_registered_on", REGISTERED.isoformat())
    coordinator.select_option("#id_authority", str(kuis.pk))
    coordinator.fill("#id_subject", SUBJECT)
    coordinator.fill("#id_answer_within", "10")
    coordinator.select_option("#id_report", str(new_report.pk))
    coordinator.fill("#id_recommendations", f"{earlier.pk}, {repeat.pk}")
    _look(coordinator, "letter-form-ru")
    coordinator.click("[data-testid=save-letter]")
    coordinator.wait_for_selector("[data-testid=due-on]")
    due = add_working_days(REGISTERED, 10)
    assert due == datetime.date(2026, 4, 7)  # 20, 26, 27, 30, 31 March, 1, 2, 3, 6, 7 April
    assert coordinator.inner_text("[data-testid=due-on]").startswith(due.isoformat())
    assert coordinator.locator("[data-testid=recommendation]").count() == 2
    letter = Letter.objects.get(number="04-12/345")
    assert letter.due_on == due and letter.report == new_report
    _look(coordinator, "letter-registered-ru")

    # --- 4. the dashboard counts two recommendations for the committee ------------------------------
    coordinator.click("nav.sidenav a[href='/recommendations/dashboard/']")
    coordinator.wait_for_selector("[data-testid=table-authority]")
    row = coordinator.locator("[data-testid=table-authority] tr[data-testid=row]").filter(
        has_text=kuis.short_ru
    )
    assert row.count() == 1
    assert row.locator("td").nth(0).inner_text().strip() == "2"  # total
    assert row.locator("td").nth(6).inner_text().strip() == "1"  # repeated
    assert coordinator.inner_text("[data-testid=total]").strip() == "2"
    _look(coordinator, "recommendations-dashboard-ru")

    # --- 5. the monitor on the follow-up visit's team sees what to verify ---------------------------
    team, monitor = _sign_in(browser, live_server, "bob", console, "ru")
    monitor.goto(f"{live_server.url}/visits/{follow_up.pk}/")
    monitor.wait_for_selector("[data-testid=open-recommendations]")
    rows = monitor.locator("[data-testid=open-recommendation]")
    assert rows.count() == 2
    listed = monitor.inner_text("[data-testid=open-recommendations]")
    assert REWORDED[:60] in listed and EARLIER[:60] in listed
    assert monitor.locator("[data-testid=verify-on-site]").count() == 0  # assessing is the coordinator's
    _look(monitor, "visit-open-recommendations-ru")
    team.close()

    # ... and the coordinator records the repeat as implemented through the visit page's link
    coordinator.goto(f"{live_server.url}/visits/{follow_up.pk}/")
    coordinator.locator("[data-testid=open-recommendation]").filter(
        has=coordinator.locator(f"a[href='/recommendations/{repeat.pk}/']")
    ).locator("[data-testid=verify-on-site]").click()
    coordinator.wait_for_selector("[data-testid=save-status]")
    assert coordinator.input_value("#id_verification") == "on_site"
    assert coordinator.input_value("#id_visit") == str(follow_up.pk)
    implemented = Status.objects.get(code="implemented")
    coordinator.select_option("#id_status", str(implemented.pk))
    coordinator.fill(
        "#id_evidence", "Admission register checked: every arrival seen by the doctor the same day."
    )
    _look(coordinator, "status-on-site-ru")
    coordinator.click("[data-testid=save-status]")
    coordinator.wait_for_selector("[data-testid=status-history] [data-testid=status-change]")
    assert implemented.name_ru in coordinator.inner_text("[data-testid=status-history]")
    repeat.refresh_from_db()
    change = repeat.history.get()
    assert repeat.status == implemented
    assert change.verification == "on_site" and change.visit == follow_up and change.author == alice
    _look(coordinator, "recommendation-implemented-ru")
    npm.close()

    # --- 6. the liaison (in Kazakh): the portal, both recommendations, only her letters -------------
    portal, liaison = _sign_in(browser, live_server, "lena", console, "kk")
    liaison.goto(live_server.url + "/recommendations/")
    liaison.wait_for_url(live_server.url + "/recommendations/portal/")
    _look(liaison, "portal-home-kk")
    liaison.click("[data-testid=portal-recommendations]")
    liaison.wait_for_selector("[data-testid=portal-recommendation-list]")
    assert liaison.locator("[data-testid=portal-recommendation-row]").count() == 2
    listed = liaison.inner_text("[data-testid=portal-recommendation-list]")
    assert EARLIER[:60] in listed and REWORDED[:60] in listed
    _look(liaison, "portal-recommendations-kk")

    liaison.goto(live_server.url + "/recommendations/letters/")
    liaison.wait_for_selector("[data-testid=letters]")
    numbers = liaison.locator("[data-testid=letter-row] td:first-child").all_inner_texts()
    assert [n.strip() for n in numbers] == ["04-12/345"]
    assert "MZ-77/2026" not in liaison.content()
    assert liaison.locator("[data-testid=new-letter]").count() == 0
    _look(liaison, "portal-letters-kk")

    liaison.goto(live_server.url + "/recommendations/dashboard/")
    liaison.wait_for_selector("[data-testid=dashboard-totals]")
    assert liaison.inner_text("[data-testid=total]").strip() == "2"
    assert liaison.locator("[data-testid=reprisal-stats]").count() == 0
    _look(liaison, "portal-dashboard-kk")
    assert "/recommendations/reprisals/" not in liaison.content()

    assert console.errors == []

    # the NPM's own pages stay closed to her (the browser logs these 403/404s)
    for path in (
        "/recommendations/reprisals/",
        f"/recommendations/{repeat.pk}/edit/",
        "/recommendations/letters/new/",
        "/recommendations/responses/",
        f"/visits/{follow_up.pk}/",
    ):
        response = liaison.goto(live_server.url + path)
        assert response is not None and response.status in (403, 404), path
    portal.close()
