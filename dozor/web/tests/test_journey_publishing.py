"""Journey, publishing (issue 8), in Kazakh: the coordinator starts the Kazakh public version of a
sent visit report, is shown the detected redactions (a registry person's name and an IIN), accepts
them, removes a cell number by typing its exact words, and submits; she cannot approve her own
version. A council member reads the public text and approves it; the coordinator publishes it. An
anonymous visitor opens the portal in Kazakh, reads the report without the removed words, and
downloads the open data (CSV and JSON), in which the report is and the removed words are not."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from dozor.accounts.models import Role, User
from dozor.core.detectors import iin_check_digit
from dozor.people.models import Person
from dozor.publishing.models import PublicReport, Redaction
from dozor.recommendations.tests.factories import kuis_place, report_for
from dozor.visits.models import Report, ReportSection
from dozor.visits.reports.services import section_save
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
TIMEOUT = 30_000  # ms per step: a CI run may be using the CPUs

LAST_NAME, FIRST_NAME = "Серікбаев", "Нұрлан"  # synthetic registry person
NAME = f"{LAST_NAME} {FIRST_NAME}"
IIN_FIRST11 = "85031230001"
IIN = IIN_FIRST11 + str(iin_check_digit(IIN_FIRST11))  # 850312300012: a valid check digit
CELL = "жетінші блоктағы 14-камерада"
CELL_NUMBER = "14-камерада"  # proposed by the pack's location precision rule (the block may stay)
BLOCK = "жетінші блоктағы"  # ... but the editor removes the block too, by hand with the exact-text form
SUMMARY = (
    "Мониторинг тобы мекемеге алдын ала хабарламай барды. "
    f"Сотталған {NAME} (ЖСН {IIN}) тергеушінің қысым жасағанын айтты. "
    f"Ол {CELL} ұсталады; камерада желдету жоқ."
)
FINDINGS = "Медициналық бөлімде дәрі-дәрмек жеткіліксіз. Серуендеу ауласы тым тар."
PLACE_KK = "Шартты тергеу изоляторы (жариялау сценарийі)"
MARKER = "[…]"

# the interface's own words (menu, headings, buttons, labels, table headers, badges, facts)
CHROME = (
    "nav.sidenav a, nav.sidenav h2, main h1, main h2, main h3, main th, main button, main label, "
    "main a.button, main .badge, main dt, main .messages, main [data-testid=four-eyes], "
    "main [data-testid=errors], main [data-testid=legend]"
)
PUBLIC_CHROME = (
    "a.skip-link, nav.site-nav a, main h1, main h2, main h3, main thead th, main button, main label, "
    "main dt, main .meta, main .downloads a, main .notice, main [data-testid=public-count], footer"
)
LATIN_ALLOWED = {"CSV", "JSON", "XLSX", "PDF", "DOCX", "Atom", "OPCAT"}
USER_TEXTS = ("Alice", "Carol", PLACE_KK, SUMMARY, FINDINGS)


def _english_left(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Interface texts still in English (Latin words) on a page shown in Kazakh."""
    left = []
    for text in page.locator(selector).all_inner_texts():
        for content in USER_TEXTS:  # what the users typed is not the interface
            text = text.replace(content, "")
        if set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_ALLOWED:
            left.append(" ".join(text.split())[:200])
    return left


class Looks:
    """Screenshots every step and collects, per screenshot, the interface texts left in English
    (all of them are reported at the end rather than stopping at the first page)."""

    def __init__(self) -> None:
        self.english: dict[str, list[str]] = {}

    def __call__(self, page, name: str, *, public: bool = False) -> None:  # type: ignore[no-untyped-def]
        screenshot(page, name)
        assert page.locator("html").get_attribute("lang") == "kk", name
        selector = PUBLIC_CHROME if public else CHROME
        assert page.locator(selector).count() > 0, name
        left = _english_left(page, selector)
        if left:
            self.english[name] = left


def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Press a button that posts a form and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def _report(alice: User) -> Report:
    place = kuis_place(
        name_en="Synthetic pre-trial centre (publishing journey)",
        name_ru="Условный следственный изолятор (сценарий публикации)",
        name_kk=PLACE_KK,
    )
    report = report_for(alice, place, status=Report.Status.DRAFT)
    for key, body in ((ReportSection.Key.SUMMARY, SUMMARY), (ReportSection.Key.FINDINGS, FINDINGS)):
        section = report.sections.get(key=key)
        section_save(actor=alice, section=section, body=body, base_revision=section.revision)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.SENT)  # workflow tested elsewhere
    report.refresh_from_db()
    return report


def test_an_editor_redacts_a_second_person_approves_and_a_visitor_reads_it_in_kazakh(  # type: ignore[no-untyped-def]
    page, live_server, browser
):
    visitor, console = page
    visitor.set_default_timeout(TIMEOUT)
    look = Looks()
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    User.objects.create_user(username="carol", password=PASSWORD, role=Role.COUNCIL, first_name="Carol")
    Person.objects.create(last_name=LAST_NAME, first_name=FIRST_NAME, gender=Person.Gender.MALE)
    report = _report(alice)

    # --- 1. the coordinator (in Kazakh) starts the Kazakh public version -------------------------
    npm, editor = sign_in(browser, live_server, "alice", console, language="kk", password=PASSWORD)
    editor.click("nav.sidenav a[href='/publishing/']")
    editor.wait_for_selector("[data-testid=ready-reports]")
    look(editor, "publishing-list-kk")
    editor.click(f"[data-testid=ready-reports] a[href^='/publishing/start/{report.pk}/']")
    editor.wait_for_selector("[data-testid=start-form]")
    editor.select_option("#id_lang", "kk")
    look(editor, "publishing-start-kk")
    _submit(editor, "[data-testid=start-form] button[type=submit]")
    editor.wait_for_selector("[data-testid=section-summary]")
    public = PublicReport.objects.get(report=report, lang="kk")
    assert public.status == PublicReport.Status.DRAFT

    # the detectors propose the registry person's name and the IIN
    rows = editor.locator("[data-testid=redactions-summary] [data-testid=redaction]")
    proposed = [" ".join(t.split()) for t in rows.all_inner_texts()]
    assert any(NAME in t for t in proposed), proposed
    assert any(IIN in t for t in proposed), proposed
    kinds = set(public.redactions.values_list("kind", flat=True))
    assert {Redaction.Kind.PERSON_NAME, Redaction.Kind.IIN} <= kinds, kinds
    assert editor.locator("[data-testid=text-summary] mark").count() >= 2
    look(editor, "publishing-proposals-kk")

    # ... and she accepts every proposal
    waiting = editor.locator("[data-testid=redaction][data-state=proposed]")
    for _n in range(waiting.count()):
        _submit(editor, "[data-testid=redaction][data-state=proposed] >> nth=0 >> [data-testid=accept]")
    assert waiting.count() == 0
    assert not public.redactions.filter(state=Redaction.State.PROPOSED).exists()
    accepted = set(public.redactions.values_list("original", flat=True))
    assert IIN in accepted and any(LAST_NAME in o for o in accepted), accepted
    assert editor.locator("[data-testid=text-summary] del").count() >= 2

    assert public.redactions.get(original=CELL_NUMBER).kind == Redaction.Kind.LOCATION

    # --- 2. she removes the block as well, by its exact words -----------------------------------
    editor.select_option("#id_section", ReportSection.Key.SUMMARY)
    editor.fill("#id_text", BLOCK)
    look(editor, "publishing-add-redaction-kk")
    _submit(editor, "[data-testid=add-form] button[type=submit]")
    editor.wait_for_selector("[data-testid=section-summary]")
    manual = public.redactions.get(original=BLOCK)
    assert manual.kind == Redaction.Kind.MANUAL and manual.state == Redaction.State.ACCEPTED
    assert manual.replacement == MARKER
    assert editor.locator(f"#redaction-{manual.pk}[data-state=accepted]").count() == 1
    look(editor, "publishing-redacted-kk")

    # --- 3. she submits it and cannot approve her own version ------------------------------------
    _submit(editor, "[data-testid=step-submit] button[type=submit]")
    editor.wait_for_selector("[data-testid=four-eyes]")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.SUBMITTED and public.editor == alice
    assert editor.locator("[data-testid=step-approve]").count() == 0
    look(editor, "publishing-submitted-kk")
    # forged: the "send back" form turned into an approval is refused with the four-eyes message
    editor.eval_on_selector("[data-testid=step-return] input[name=action]", "el => el.value = 'approve'")
    _submit(editor, "[data-testid=step-return] button[type=submit]")
    editor.wait_for_selector("[data-testid=errors]")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.SUBMITTED and public.approver is None
    look(editor, "publishing-self-approval-refused-kk")
    # Chromium logs the 400 of that refused post; nothing else may be logged
    console.errors[:] = [e for e in console.errors if "status of 400" not in e]

    # --- 4. a council member reads the public text and approves it ------------------------------
    council, approver = sign_in(browser, live_server, "carol", console, language="kk", password=PASSWORD)
    approver.click("nav.sidenav a[href='/publishing/']")
    approver.wait_for_selector("[data-testid=public-versions]")
    approver.click(f"[data-testid=public-version] a[href='/publishing/{public.pk}/']")
    approver.wait_for_selector("[data-testid=workflow]")
    assert approver.locator("[data-testid=add-redaction]").count() == 0  # council members do not redact
    approver.click("[data-testid=approve-link]")
    approver.wait_for_selector("[data-testid=public-text-summary]")
    text = approver.inner_text("[data-testid=public-text-summary]")
    assert MARKER in text and LAST_NAME not in text and IIN not in text and CELL not in text
    look(approver, "publishing-approve-kk")
    _submit(approver, "[data-testid=step-approve] button[type=submit]")
    approver.wait_for_selector("[data-testid=public-status]")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.APPROVED and public.approver is not None
    assert public.approver.username == "carol"
    look(approver, "publishing-approved-kk")
    council.close()

    # --- 5. the coordinator publishes it ---------------------------------------------------------
    editor.goto(f"{live_server.url}/publishing/{public.pk}/")
    editor.wait_for_selector("[data-testid=step-publish]")
    _submit(editor, "[data-testid=step-publish] button[type=submit]")
    editor.wait_for_selector("[data-testid=step-withdraw]")
    public.refresh_from_db()
    report.refresh_from_db()
    assert public.status == PublicReport.Status.PUBLISHED and public.published_at is not None
    assert report.status == Report.Status.PUBLISHED
    look(editor, "publishing-published-kk")
    npm.close()

    # --- 6. an anonymous visitor reads it on the portal in Kazakh ---------------------------------
    visitor.goto(f"{live_server.url}/public/kk/")
    visitor.wait_for_selector("[data-testid=public-entry]")
    assert visitor.locator("html").get_attribute("lang") == "kk"
    look(visitor, "public-home-kk", public=True)
    entry = visitor.locator("[data-testid=public-entry]").filter(has_text=PLACE_KK)
    assert entry.count() == 1
    entry.locator(f"h3 a[href='/public/kk/reports/{report.pk}/']").click()
    visitor.wait_for_selector("[data-testid=public-report]")
    assert visitor.url == f"{live_server.url}/public/kk/reports/{report.pk}/"
    body = visitor.inner_text("[data-testid=public-report]")
    assert MARKER in body and "Мониторинг тобы мекемеге" in body and FINDINGS.split(".")[0] in body
    for removed in (LAST_NAME, FIRST_NAME, IIN, CELL):
        assert removed not in visitor.content(), removed
    look(visitor, "public-report-kk", public=True)

    # the PDF of the public version
    with visitor.expect_download() as pdf:
        visitor.click("[data-testid=public-pdf]")
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"

    # --- 7. ... and downloads the open data from the open-data page --------------------------------
    visitor.click("nav.site-nav a[href='/public/kk/data/']")
    visitor.wait_for_selector("[data-testid=public-data-reports-csv]")
    look(visitor, "public-open-data-kk", public=True)
    with visitor.expect_download() as download:
        visitor.click("[data-testid=public-data-reports-csv]")
    assert download.value.suggested_filename == "reports.csv"
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows_csv = list(csv.DictReader(io.StringIO(content)))
    assert [(r["id"], r["report_id"], r["language"]) for r in rows_csv] == [
        (str(public.pk), str(report.pk), "kk")
    ]
    assert rows_csv[0]["facility_name_kk"] == PLACE_KK
    for removed in (LAST_NAME, FIRST_NAME, IIN, CELL):
        assert removed not in content, removed

    # Chromium asks a JSON document's origin for /favicon.ico, which the server does not serve
    visitor.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    with visitor.expect_navigation() as opened:
        visitor.click("[data-testid=public-data-reports-json]")
    response = opened.value
    assert response is not None and response.status == 200
    raw = response.text()
    data = json.loads(raw)
    assert data["dataset"] == "reports" and data["count"] == 1
    mine = [r for r in data["items"] if r["report_id"] == report.pk]
    assert [(r["id"], r["language"]) for r in mine] == [(public.pk, "kk")]
    summary = next(s["text"] for s in mine[0]["sections"] if s["key"] == ReportSection.Key.SUMMARY)
    assert MARKER in summary and "Мониторинг тобы мекемеге" in summary
    for removed in (LAST_NAME, FIRST_NAME, IIN, CELL):
        assert removed not in raw and removed not in json.dumps(data, ensure_ascii=False), removed

    assert console.errors == []
    assert look.english == {}
