"""Journey: a monitor records a visit (a phase, occupancy on the day, a finding, a confidential
interview and a photo), starts the report, writes its summary in Kazakh and submits it for review;
the coordinator approves it and downloads it as a Kazakh PDF whose text has the Kazakh letters
right. An authority liaison gets nothing of the visit."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.core.tests.pdf import pdf_plain
from dozor.facilities.models import Occupancy
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.models import Evidence, Finding, Interview, Report
from dozor.visits.services import visit_create
from dozor.web.tests.browser import ARTIFACTS, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
SUMMARY_KK = (
    "Топ мекемеге алдын ала ескертусіз барды; камералардағы жағдай нашар, құқық бұзушылықтар анықталды."
)
FINDING = "Камералардағы тығыздық"
EXCERPT = "Бізді күніне жарты сағат қана серуендетеді"
NOTES = "Жеке жазба: күзетші Серіков туралы айтты"


def _sign_in(browser, live_server, username: str, console):  # type: ignore[no-untyped-def]
    return sign_in(browser, live_server, username, console, password=PASSWORD)


def _photo(tmp_path: Path) -> Path:
    image = Image.new("RGB", (64, 48), (120, 140, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path = tmp_path / "cell-window.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def test_a_monitor_records_a_visit_and_the_coordinator_approves_its_kazakh_report(  # type: ignore[no-untyped-def]
    page, live_server, browser, tmp_path
):
    _unused, console = page
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    bob = User.objects.create_user(username="bob", password=PASSWORD, role=Role.MONITOR, first_name="Bob")
    place = FacilityFactory(name_en="Synthetic pre-trial centre (journey)", capacity=100)
    User.objects.create_user(username="lena", password=PASSWORD, role=Role.LIAISON, authority=place.authority)
    day = timezone.localdate() - datetime.timedelta(days=1)
    visit = visit_create(
        actor=alice,
        facility=place,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=day,
        team=[bob],
    )

    # --- the monitor records the visit ---------------------------------------------------------
    context, monitor = _sign_in(browser, live_server, "bob", console)
    monitor.goto(f"{live_server.url}/visits/{visit.pk}/")
    monitor.click("[data-testid=visit-record] details summary")
    monitor.select_option("#id_phase_kind", "tour")
    monitor.fill("#id_phase_started_at", f"{day.isoformat()}T10:00")
    monitor.fill("#id_phase_ended_at", f"{day.isoformat()}T11:30")
    monitor.click("[data-testid=add-phase]")
    monitor.wait_for_selector("[data-testid=phase-row]")

    monitor.click("[data-testid=edit-occupancy]")
    monitor.fill("#id_men_capacity", "90")
    monitor.fill("#id_men_population", "104")
    monitor.fill("#id_women_capacity", "10")
    monitor.fill("#id_women_population", "7")
    monitor.click("main form button[type=submit]")
    monitor.wait_for_selector("[data-testid=occupancy-total]")
    assert Occupancy.objects.get(facility=place, source=Occupancy.Source.VISIT).population == 111

    monitor.click("[data-testid=add-finding]")
    monitor.select_option("#id_theme", label="Material conditions")
    monitor.select_option("#id_severity", "serious")
    monitor.fill("#id_title", FINDING)
    monitor.fill("#id_location", "Корпус 2")
    monitor.fill("#id_description", "12 м² камерада 8 адам ұсталады.")
    monitor.check("input[name=sources][value=observation]")
    monitor.check("input[name=sources][value=documents]")
    monitor.click("[data-testid=save-finding]")
    monitor.wait_for_selector("text=" + FINDING)

    monitor.goto(f"{live_server.url}/visits/{visit.pk}/")
    monitor.click("[data-testid=add-interview]")
    monitor.fill("#id_code", "D-07")
    monitor.select_option("#id_category", "detainee")
    monitor.fill("#id_held_on", day.isoformat())
    monitor.check("input[name=consents][value=quote_authority]")
    monitor.check("input[name=consents][value=quote_public]")
    monitor.fill("#id_notes", NOTES)
    monitor.fill("#id_excerpt", EXCERPT)
    monitor.click("[data-testid=save-interview]")
    monitor.wait_for_selector("[data-testid=interview-notes]")

    monitor.goto(f"{live_server.url}/visits/{visit.pk}/")
    monitor.click("[data-testid=add-evidence]")
    monitor.set_input_files("#id_uploaded_file", str(_photo(tmp_path)))
    monitor.fill("#id_description", "Cell window")
    monitor.click("[data-testid=save-evidence]")
    monitor.wait_for_load_state("networkidle")
    assert Evidence.objects.filter(visit=visit, kind=Evidence.Kind.PHOTO, metadata_stripped=True).count() == 1
    assert (
        Finding.objects.filter(visit=visit).count() == 1
        and Interview.objects.filter(visit=visit).count() == 1
    )

    # ... starts the report, writes the summary in Kazakh and submits it for review
    monitor.goto(f"{live_server.url}/visits/{visit.pk}/")
    screenshot(monitor, "visit-recorded")
    monitor.click("[data-testid=start-report]")
    monitor.wait_for_selector("[data-testid=workflow]")
    monitor.click("[data-testid=section-summary] summary")
    monitor.fill("[data-testid=edit-summary] textarea", SUMMARY_KK)
    monitor.click("[data-testid=edit-summary] button[type=submit]")
    monitor.wait_for_selector("[data-testid=text-summary]")
    assert SUMMARY_KK in monitor.inner_text("[data-testid=text-summary]")
    assert EXCERPT in monitor.inner_text("main")  # consented quote, attributed by category
    assert NOTES not in monitor.inner_text("main")
    monitor.click("[data-testid=step-submit] button")
    monitor.wait_for_selector("[data-testid=workflow]")
    assert Report.objects.get(visit=visit).status == Report.Status.REVIEW
    assert not monitor.locator("[data-testid=step-approve]").count()  # approving is the coordinator's
    context.close()

    # --- the coordinator approves and downloads the Kazakh PDF --------------------------------
    context, coordinator = _sign_in(browser, live_server, "alice", console)
    coordinator.goto(f"{live_server.url}/visits/{visit.pk}/")
    coordinator.click("[data-testid=open-report]")
    coordinator.click("[data-testid=step-approve] button")
    coordinator.wait_for_selector("[data-testid=workflow]")
    assert Report.objects.get(visit=visit).status == Report.Status.APPROVED
    screenshot(coordinator, "report-approved")
    with coordinator.expect_download() as download_info:
        coordinator.click("#downloads a[href*='format=pdf'][href*='lang=kk']")
    pdf = ARTIFACTS / "journey-report-kk.pdf"
    download_info.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    plain = pdf_plain(pdf.read_bytes())
    for word in ("ескертусіз", "құқық", "бұзушылықтар", "анықталды", FINDING):
        assert word in plain
    assert NOTES not in plain and "D-07" not in plain
    context.close()

    assert console.errors == []

    # --- a liaison of the place's authority gets nothing (the browser logs the 404s) -----------
    context, liaison = _sign_in(browser, live_server, "lena", console)
    for path in (f"/visits/{visit.pk}/", f"/visits/reports/{Report.objects.get(visit=visit).pk}/"):
        response = liaison.goto(live_server.url + path)
        assert response is not None and response.status in (403, 404)
        assert FINDING not in liaison.content()
    context.close()
