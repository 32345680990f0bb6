"""The authority portal: liaisons' responses with attachments, the coordinator's assessment, and
the secrecy between authorities (dozor.recommendations.portal.services, views_portal)."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from PIL import Image

from dozor.accounts.models import AuditEvent, User
from dozor.planning.tests.factories import PlanFactory, planned_visit
from dozor.recommendations.models import Recommendation, ReprisalCase, Response, ResponseAttachment, Status
from dozor.recommendations.portal.services import response_assess, response_submit
from dozor.recommendations.tests.factories import (
    health_place,
    kuis_place,
    protected_person,
    recommendation,
    report_for,
)
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Interview, Report

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML_BYTES = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

KUIS_TEXT = "Repair the ventilation of block KUIS-ALPHA within three months."
MZ_TEXT = "Stop the use of restraint beds in ward MZ-OMEGA."
MZ_RESPONSE = "Ward MZ-OMEGA restraint beds removed (MZ-RESPONSE-SECRET)."
MZ_FILE = "mz-omega-order.pdf"
DRAFT_TEXT = "Approved-not-sent DRAFT-REC-SECRET recommendation."
INTERVIEW_NOTES = "INTERVIEW-SECRET notes about guard Serikov"
REPRISAL = "REPRISAL-SECRET threatened after the visit"
PLAN = "PLAN-SECRET unannounced night visit"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def docx_bytes(text: str = "Action plan") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Measure"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def macro_docx() -> bytes:
    """A real DOCX re-labelled as macro-enabled (what a .docm declares) with a VBA project."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    files = {name: source.read(name) for name in source.namelist()}
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    files["word/vbaProject.bin"] = b"\x00" * 64
    return zip_bytes(files)


@pytest.fixture
def world(coordinator: User, liaison: User, other_liaison: User) -> dict[str, Any]:
    """KUIS (lena's) and MZ (omar's) recommendations, an MZ response with a file, and the
    confidential things of lena's own places that she must never see."""
    kuis = kuis_place(name_en="Pre-trial centre KUIS-ALPHA")
    kuis_report = report_for(coordinator, kuis)
    kuis_rec = recommendation(coordinator, kuis_report, text=KUIS_TEXT, deadline=datetime.date(2025, 5, 1))
    mz = health_place(name_en="Psychiatric hospital MZ-OMEGA")
    mz_report = report_for(coordinator, mz)
    mz_rec = recommendation(coordinator, mz_report, text=MZ_TEXT)
    mz_response = response_submit(
        actor=other_liaison,
        recommendation=mz_rec,
        text=MZ_RESPONSE,
        files=[upload(MZ_FILE, PDF_BYTES, "application/pdf")],
    )
    # lena's own place: an approved (not sent) report with a recommendation, an interview,
    # a reprisal case, a planned visit
    other_kuis = kuis_place(name_en="Colony KUIS-BETA")
    approved = report_for(coordinator, other_kuis, Report.Status.APPROVED)
    draft_rec = recommendation(coordinator, approved, text=DRAFT_TEXT)
    interview = interview_record(
        actor=coordinator,
        visit=kuis_report.visit,
        code="Z-99",
        category=Interview.Category.DETAINEE,
        held_on=kuis_report.visit.started_on,
        notes=INTERVIEW_NOTES,
    )
    ReprisalCase.objects.create(
        person=protected_person(kuis),
        facility=kuis,
        kind=ReprisalCase.Kind.ALLEGATION,
        interview=interview,
        raised_on=datetime.date(2025, 3, 5),
        summary=REPRISAL,
    )
    planned_visit(PlanFactory(), facility=kuis, objectives=PLAN)
    return {
        "kuis": kuis,
        "kuis_report": kuis_report,
        "kuis_rec": kuis_rec,
        "mz": mz,
        "mz_report": mz_report,
        "mz_rec": mz_rec,
        "mz_response": mz_response,
        "mz_attachment": mz_response.attachments.get(),
        "approved": approved,
        "draft_rec": draft_rec,
        "interview": interview,
    }


# --- responses -------------------------------------------------------------------------------------


def test_it_stores_a_response_with_checked_attachments(liaison, world, media_root):
    files = [
        upload("plan.pdf", PDF_BYTES),
        upload("photo.png", png_bytes()),
        upload("order.docx", docx_bytes()),
        upload("budget.xlsx", xlsx_bytes()),
    ]
    response = response_submit(
        actor=liaison,
        recommendation=world["kuis_rec"],
        text="  Ventilation repaired in block A.  ",
        action_plan="Block B by June.",
        planned_by=datetime.date(2026, 6, 30),
        files=files,
    )
    assert response.authority == liaison.authority and response.text == "Ventilation repaired in block A."
    attachments = list(response.attachments.order_by("id"))
    assert [a.content_type for a in attachments] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    for attachment in attachments:
        stored = Path(attachment.file.path)
        assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|docx|xlsx)", stored.name)  # random, not the user's
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == attachment.sha256
    assert [a.original_name for a in attachments] == ["plan.pdf", "photo.png", "order.docx", "budget.xlsx"]
    event = AuditEvent.objects.get(object_type="recommendations.response", object_id=str(response.pk))
    assert event.action == AuditEvent.Action.CREATE and len(event.changes["attachments"]) == 4


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("setup.pdf", EXE_BYTES, "not a PDF"),
        ("report.docx", HTML_BYTES, "not a PDF"),
        ("report.docx", zip_bytes({"word/document.xml": b"<w/>"}), "not a PDF"),  # no [Content_Types].xml
        ("report.docx", macro_docx(), "not a PDF"),
        ("photo.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "not a PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_it_refuses_forbidden_attachments_and_writes_nothing(
    liaison, world, media_root, name, content, expected
):
    before = stored_files(media_root)
    with pytest.raises(ValidationError) as problem:
        response_submit(
            actor=liaison,
            recommendation=world["kuis_rec"],
            text="Done.",
            files=[upload("good.pdf", PDF_BYTES), upload(name, content, "application/pdf")],
        )
    messages = problem.value.message_dict["files"]
    assert len(messages) == 1 and expected in messages[0] and name in messages[0]
    assert not Response.objects.filter(recommendation=world["kuis_rec"]).exists()
    assert stored_files(media_root) == before


def test_it_refuses_oversize_and_too_many_files(liaison, world, media_root, settings):
    settings.DOZOR_MAX_ATTACHMENT_BYTES = 1024
    before = stored_files(media_root)
    big = PDF_BYTES[:-7] + b"0" * 2000 + b"\n%%EOF\n"
    with pytest.raises(ValidationError) as problem:
        response_submit(
            actor=liaison, recommendation=world["kuis_rec"], text="Done.", files=[upload("big.pdf", big)]
        )
    assert "larger than the limit" in problem.value.message_dict["files"][0]
    with pytest.raises(ValidationError) as problem:
        response_submit(
            actor=liaison,
            recommendation=world["kuis_rec"],
            text="Done.",
            files=[upload(f"f{i}.pdf", PDF_BYTES) for i in range(11)],
        )
    assert "at most 10" in problem.value.message_dict["files"][0]
    assert not Response.objects.filter(recommendation=world["kuis_rec"]).exists()
    assert stored_files(media_root) == before


def test_it_refuses_a_response_to_a_closed_recommendation_and_an_empty_text(
    coordinator, liaison, world, media_root
):
    closed = recommendation(coordinator, world["kuis_report"], text="Closed one.", status="implemented")
    before = stored_files(media_root)
    with pytest.raises(ValidationError) as problem:
        response_submit(actor=liaison, recommendation=closed, text="", files=[upload("a.pdf", PDF_BYTES)])
    errors = problem.value.message_dict
    assert "closed recommendation" in errors["__all__"][0] and "text" in errors
    assert not Response.objects.filter(recommendation=closed).exists()
    assert stored_files(media_root) == before


def test_only_a_liaison_who_sees_the_recommendation_responds(coordinator, monitor, other_liaison, world):
    for actor, rec in (
        (coordinator, world["kuis_rec"]),
        (monitor, world["kuis_rec"]),
        (other_liaison, world["kuis_rec"]),
    ):
        with pytest.raises(PermissionDenied):
            response_submit(actor=actor, recommendation=rec, text="Done.")
    with pytest.raises(PermissionDenied):  # a recommendation of a report not yet sent
        response_submit(actor=other_liaison, recommendation=world["draft_rec"], text="Done.")


def test_it_answers_through_the_portal_page(as_liaison, world, media_root):
    url = reverse("recommendations:portal_recommendation", args=[world["kuis_rec"].pk])
    before = stored_files(media_root)
    page = as_liaison.post(url, {"text": "Done.", "attachments": [upload("evil.pdf", EXE_BYTES)]})
    assert page.status_code == 400 and b"evil.pdf" in page.content
    assert stored_files(media_root) == before
    page = as_liaison.post(
        url,
        {
            "text": "Ventilation repaired.",
            "attachments": [upload("act.pdf", PDF_BYTES), upload("b.png", png_bytes())],
        },
        follow=True,
    )
    assert page.status_code == 200
    assert b"Ventilation repaired." in page.content and b"act.pdf" in page.content
    assert ResponseAttachment.objects.filter(response__recommendation=world["kuis_rec"]).count() == 2


def test_a_closed_recommendation_shows_no_form(coordinator, as_liaison, world):
    closed = recommendation(coordinator, world["kuis_report"], text="Closed one.", status="rejected")
    url = reverse("recommendations:portal_recommendation", args=[closed.pk])
    page = as_liaison.get(url)
    assert page.status_code == 200 and b'data-testid="response-closed"' in page.content
    assert as_liaison.post(url, {"text": "Late answer."}).status_code == 302
    assert not Response.objects.filter(recommendation=closed).exists()


# --- assessment --------------------------------------------------------------------------------------


def test_the_coordinator_assesses_a_response_verified_on_site(coordinator, liaison, world):
    response = response_submit(actor=liaison, recommendation=world["kuis_rec"], text="Repaired.")
    partial = Status.objects.get(code="partially_implemented")
    change = response_assess(
        actor=coordinator,
        response=response,
        status=partial,
        verification="on_site",
        evidence="Block A fine, block B not started.",
        changed_on=datetime.date(2025, 6, 2),
        visit=world["kuis_report"].visit,
    )
    world["kuis_rec"].refresh_from_db()
    response.refresh_from_db()
    assert world["kuis_rec"].status == partial and change.response == response and change.visit is not None
    assert response.assessed_at is not None


def test_an_assessment_needs_a_manager_and_the_place_s_visit(monitor, coordinator, liaison, world):
    response = response_submit(actor=liaison, recommendation=world["kuis_rec"], text="Repaired.")
    partial = Status.objects.get(code="partially_implemented")
    with pytest.raises(PermissionDenied):
        response_assess(actor=monitor, response=response, status=partial, verification="authority_report")
    with pytest.raises(ValidationError) as problem:
        response_assess(
            actor=coordinator,
            response=response,
            status=partial,
            verification="on_site",
            visit=world["mz_report"].visit,  # another place
        )
    assert "visit" in problem.value.message_dict


def test_the_assessment_page(as_coordinator, as_monitor, as_liaison, liaison, world):
    response = response_submit(
        actor=liaison, recommendation=world["kuis_rec"], text="Repaired.", files=[upload("a.pdf", PDF_BYTES)]
    )
    queue = as_coordinator.get(reverse("recommendations:responses_to_assess"))
    assert queue.status_code == 200 and b"Repaired" not in queue.content  # the queue shows the recommendation
    assert f"/recommendations/responses/{response.pk}/".encode() in queue.content
    assert as_monitor.get(reverse("recommendations:responses_to_assess")).status_code == 403
    url = reverse("recommendations:response_detail", args=[response.pk])
    assert as_monitor.get(url).status_code == 200
    assert b"assessment-form" not in as_monitor.get(url).content
    assert as_monitor.post(url, {"status": 1}).status_code == 403
    assert as_liaison.get(url).status_code == 302  # to the portal page of the recommendation
    partial = Status.objects.get(code="partially_implemented")
    page = as_coordinator.post(
        url,
        {
            "status": partial.pk,
            "verification": "on_site",
            "visit": world["kuis_report"].visit.pk,
            "changed_on": "2025-06-02",
            "evidence": "Checked on site.",
        },
        follow=True,
    )
    assert page.status_code == 200 and b"Partially implemented" in page.content
    world["kuis_rec"].refresh_from_db()
    assert world["kuis_rec"].status == partial
    assert (
        f"/recommendations/responses/{response.pk}/".encode()
        not in as_coordinator.get(reverse("recommendations:responses_to_assess")).content
    )
    # the liaison sees the status and how it was verified, not the NPM's evidence note
    portal = as_liaison.get(reverse("recommendations:portal_recommendation", args=[world["kuis_rec"].pk]))
    assert b"Verified on site" in portal.content and b"Checked on site." not in portal.content


# --- downloads ----------------------------------------------------------------------------------


def test_attachments_are_served_to_their_authority_and_the_npm_only(
    as_other_liaison, as_liaison, as_monitor, as_trainer, anonymous, world
):
    url = reverse("recommendations:response_attachment", args=[world["mz_attachment"].pk])
    for client in (as_other_liaison, as_monitor):
        download = client.get(url)
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
        assert download["X-Content-Type-Options"] == "nosniff" and "no-store" in download["Cache-Control"]
        assert download["Content-Disposition"].startswith("attachment")
    assert as_liaison.get(url).status_code == 404
    assert as_trainer.get(url).status_code == 404
    assert anonymous.get(url).status_code == 302


def test_the_report_sent_to_the_authority_comes_in_its_version(as_liaison, as_other_liaison, world):
    url = reverse("recommendations:portal_report_document", args=[world["kuis_report"].pk])
    download = as_liaison.get(url, {"format": "docx", "lang": "ru"})
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert "CONFIDENTIAL" not in text.upper() and "КОНФИДЕНЦИАЛЬНО" not in text.upper()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="visits.report").latest(
        "at"
    )
    assert event.changes["version"] == "authority" and event.changes["via"] == "portal"
    assert as_liaison.get(url, {"format": "exe"}).status_code == 400
    assert as_other_liaison.get(url, {"format": "docx"}).status_code == 404
    draft = reverse("recommendations:portal_report_document", args=[world["approved"].pk])
    assert as_liaison.get(draft, {"format": "docx"}).status_code == 404


# --- secrecy -------------------------------------------------------------------------------------


def _recommendation_urls(ids: list[int]) -> list[str]:
    """Every URL of the recommendations app (every helper's pages), each id-taking one with each
    of ``ids`` in every integer argument."""
    _prefix, resolver = get_resolver().namespace_dict["recommendations"]
    urls: list[str] = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        converters = pattern.pattern.converters
        name = f"recommendations:{pattern.name}"
        if not converters:
            urls.append(reverse(name))
            continue
        if any(type(c).__name__ != "IntConverter" for c in converters.values()):
            continue
        urls += [reverse(name, kwargs=dict.fromkeys(converters, pk)) for pk in ids]
    return urls


def _assert_hidden(client: Client, urls: list[str], secrets: list[str]) -> None:
    for url in urls:
        page = client.get(url)
        body = page.content if not page.streaming else b"".join(page.streaming_content)  # type: ignore[attr-defined]
        for secret in secrets:
            assert secret.encode() not in body, (url, secret)
        assert page.status_code in (200, 302, 400, 403, 404, 405), url


def test_a_liaison_sees_nothing_of_another_authority(as_liaison, world):
    ids = [
        world["mz_rec"].pk,
        world["mz_response"].pk,
        world["mz_attachment"].pk,
        world["mz_report"].pk,
        world["mz_report"].visit_id,
        world["mz"].pk,
    ]
    secrets = [MZ_TEXT, MZ_RESPONSE, MZ_FILE, "MZ-OMEGA"]
    _assert_hidden(as_liaison, _recommendation_urls(ids), secrets)
    for name, pk in (
        ("portal_recommendation", world["mz_rec"].pk),
        ("portal_report_document", world["mz_report"].pk),
        ("response_attachment", world["mz_attachment"].pk),
        ("response_detail", world["mz_response"].pk),
    ):
        assert as_liaison.get(reverse(f"recommendations:{name}", args=[pk])).status_code == 404, name
    post = as_liaison.post(
        reverse("recommendations:portal_recommendation", args=[world["mz_rec"].pk]), {"text": "Probe."}
    )
    assert post.status_code == 404 and Response.objects.count() == 1
    # search and filters find nothing of MZ either
    listing = as_liaison.get(reverse("recommendations:portal_recommendations"), {"q": "mz-omega"})
    assert b"portal-recommendation-row" not in listing.content


def test_a_liaison_sees_no_draft_interview_plan_or_reprisal_of_its_own_places(as_liaison, world):
    ids = [
        world["draft_rec"].pk,
        world["approved"].pk,
        world["interview"].pk,
        *ReprisalCase.objects.values_list("pk", flat=True),
        world["kuis_rec"].pk,
        world["kuis_report"].pk,
    ]
    secrets = [DRAFT_TEXT, INTERVIEW_NOTES, "Z-99", REPRISAL, PLAN, "KUIS-BETA"]
    _assert_hidden(as_liaison, _recommendation_urls(ids), secrets)
    home = as_liaison.get(reverse("recommendations:portal"))
    assert home.status_code == 200 and KUIS_TEXT.encode() in home.content  # its own, due soon/overdue
    assert (
        as_liaison.get(
            reverse("recommendations:portal_recommendation", args=[world["draft_rec"].pk])
        ).status_code
        == 404
    )


def test_the_portal_counts_only_its_own(as_liaison, as_other_liaison, world):
    for client, total in ((as_liaison, 1), (as_other_liaison, 1)):
        home = client.get(reverse("recommendations:portal"))
        assert home.context["total"] == total
        assert dict((s.code, n) for s, n in home.context["statuses"])["no_response"] == total
    reports = as_liaison.get(reverse("recommendations:portal_reports"))
    assert list(reports.context["page"].object_list) == [world["kuis_report"]]
    assert b"MZ-OMEGA" not in reports.content and b"KUIS-BETA" not in reports.content


def test_portal_pages_are_for_liaisons_only(as_coordinator, as_trainer, anonymous, world):
    for client, expected in ((as_coordinator, 403), (as_trainer, 403), (anonymous, 302)):
        for name in ("portal", "portal_recommendations", "portal_reports"):
            assert client.get(reverse(f"recommendations:{name}")).status_code == expected


def test_the_menu_shows_the_portal_to_liaisons_only(as_liaison, as_coordinator):
    portal = reverse("recommendations:portal").encode()
    assert portal in as_liaison.get("/").content
    assert portal not in as_coordinator.get("/").content


def test_the_recommendation_list_has_a_bounded_number_of_queries(
    coordinator, as_liaison, world, django_assert_max_num_queries
):
    for n in range(15):
        recommendation(coordinator, world["kuis_report"], text=f"Recommendation number {n}")
    with django_assert_max_num_queries(12):
        page = as_liaison.get(reverse("recommendations:portal_recommendations"), {"status": "open"})
    assert len(page.context["page"].object_list) == 16
    assert isinstance(page.context["page"].object_list[0], Recommendation)


def test_an_oversize_request_is_refused_before_it_is_read(as_liaison, world, settings, media_root):
    settings.DOZOR_MAX_ATTACHMENT_BYTES = 1024
    url = reverse("recommendations:portal_recommendation", args=[world["kuis_rec"].pk])
    before = stored_files(media_root)
    big = PDF_BYTES[:-7] + b"0" * (12 * 1024 * 1024) + b"\n%%EOF\n"
    page = as_liaison.post(url, {"text": "Done.", "attachments": [upload("big.pdf", big)]}, follow=True)
    assert page.status_code == 200 and b"larger than the limit" in page.content
    assert not Response.objects.filter(recommendation=world["kuis_rec"]).exists()
    assert stored_files(media_root) == before
