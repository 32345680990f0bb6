"""Recommendations, their history, statuses, responses and letters over the API
(dozor.api.recommendations.views): who sees what (a liaison of KUIS never sees anything of MZ, nor
recommendations of unsent reports), who writes, the services' checks as 400s with nothing written,
and no endpoint at all for reprisal cases."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority
from dozor.recommendations.models import Letter, Recommendation, Response, Status, StatusChange
from dozor.recommendations.portal.services import response_submit
from dozor.recommendations.services import status_change
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.standards.models import Provision
from dozor.visits.models import Report

pytestmark = pytest.mark.django_db

RECS = "/api/v1/recommendations/"
STATUSES = "/api/v1/recommendation-statuses/"
RESPONSES = "/api/v1/responses/"
LETTERS = "/api/v1/letters/"

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

KUIS_TEXT = "Repair the ventilation of block KUIS-ALPHA within three months."
MZ_TEXT = "Stop the use of restraint beds in ward MZ-OMEGA."
DRAFT_TEXT = "Approved-not-sent DRAFT-REC-SECRET recommendation."
EVIDENCE = "EVIDENCE-SECRET: the NPM's own notes on the assessment."

STAFF = ["coordinator", "council", "monitor"]
ALL = [*STAFF, "liaison", "other_liaison", "trainer", "anonymous"]
# persona -> the recommendations (keys of ``world``) it sees
SEES: dict[str, set[str]] = {
    **{persona: {"kuis_rec", "mz_rec", "draft_rec"} for persona in STAFF},
    "liaison": {"kuis_rec"},
    "other_liaison": {"mz_rec"},
    "trainer": set(),
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def world(coordinator: User, other_liaison: User) -> dict[str, Any]:
    """A KUIS recommendation (lena's) with an assessment, an MZ one (omar's) with a response and a
    file, a KUIS recommendation of an approved but unsent report, and a letter to each authority."""
    kuis = kuis_place(name_en="Pre-trial centre KUIS-ALPHA")
    kuis_report = report_for(coordinator, kuis)
    kuis_rec = recommendation(coordinator, kuis_report, text=KUIS_TEXT, deadline=datetime.date(2025, 5, 1))
    status_change(
        actor=coordinator,
        recommendation=kuis_rec,
        status=Status.objects.get(code="in_progress"),
        changed_on=datetime.date(2025, 4, 20),
        verification=StatusChange.Verification.DOCUMENTS,
        evidence=EVIDENCE,
    )
    mz = health_place(name_en="Psychiatric hospital MZ-OMEGA")
    mz_report = report_for(coordinator, mz)
    mz_rec = recommendation(coordinator, mz_report, text=MZ_TEXT, theme="treatment")
    mz_response = response_submit(
        actor=other_liaison,
        recommendation=mz_rec,
        text="Ward MZ-OMEGA restraint beds removed (MZ-RESPONSE-SECRET).",
        files=[upload("mz-omega-order.pdf", PDF_BYTES)],
    )
    approved = report_for(coordinator, kuis_place(name_en="Colony KUIS-BETA"), Report.Status.APPROVED)
    draft_rec = recommendation(coordinator, approved, text=DRAFT_TEXT)
    kuis_letter = Letter.objects.create(
        direction=Letter.Direction.OUTGOING,
        number="OUT-1",
        registered_on=datetime.date(2025, 4, 2),
        authority=Authority.objects.get(code="KUIS"),
        subject="Report on KUIS-ALPHA",
        report=kuis_report,
    )
    kuis_letter.recommendations.set([kuis_rec, draft_rec])
    mz_letter = Letter.objects.create(
        direction=Letter.Direction.OUTGOING,
        number="OUT-2",
        registered_on=datetime.date(2025, 4, 3),
        facility=mz,
        subject="Report on MZ-OMEGA",
        report=mz_report,
    )
    mz_letter.recommendations.set([mz_rec])
    return {
        "kuis": kuis,
        "kuis_report": kuis_report,
        "kuis_rec": kuis_rec,
        "mz": mz,
        "mz_rec": mz_rec,
        "mz_response": mz_response,
        "draft_rec": draft_rec,
        "kuis_letter": kuis_letter,
        "mz_letter": mz_letter,
    }


def state() -> tuple[int, int, int, int]:
    return (
        Recommendation.objects.count(),
        StatusChange.objects.count(),
        Response.objects.count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN).count(),
    )


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "source": "other",
        "source_reference": "Annual report 2024, para. 12",
        "addressee": "authority",
        "authority": "KUIS",
        "theme": "safeguards",
        "provisions": [],
        "text_en": "Install video recording in every interview room.",
        "priority": "high",
        "term": "medium",
        "systemic": True,
        "issued_on": "2025-04-10",
        "deadline": "2025-12-31",
        **overrides,
    }


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------- reading recommendations


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_and_counts_only_visible_recommendations(client_as, world, persona):
    response = client_as(persona).get(RECS)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert ids(response) == {world[key].pk for key in SEES[persona]}
    assert response.json()["count"] == len(SEES[persona])


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_recommendation_only_when_visible(client_as, world, persona):
    client = client_as(persona)
    for key in ("kuis_rec", "mz_rec", "draft_rec"):
        for suffix in ("", "history/"):
            response = client.get(f"{RECS}{world[key].pk}/{suffix}")
            if persona == "anonymous":
                assert response.status_code == 401
            elif key in SEES[persona]:
                assert response.status_code == 200
            else:
                assert response.status_code == 404
                assert b"MZ-OMEGA" not in response.content and b"DRAFT-REC" not in response.content


def test_it_gives_404_for_a_missing_or_malformed_id(as_coordinator, world):
    assert as_coordinator.get(f"{RECS}999999/").status_code == 404
    assert as_coordinator.get(f"{RECS}abc/").status_code == 404


def test_it_never_finds_another_authoritys_data_by_search_or_filter(as_liaison, world):
    def count(**params: Any) -> int:
        response = as_liaison.get(RECS, params)
        assert response.status_code == 200
        assert b"MZ-OMEGA" not in response.content and b"DRAFT-REC" not in response.content
        return int(response.json()["count"])

    assert count(q="MZ-OMEGA") == 0
    assert count(q="restraint") == 0
    assert count(q="DRAFT-REC-SECRET") == 0
    assert count(authority="MZ") == 0
    assert count(facility=world["mz"].pk) == 0
    assert count(theme="treatment") == 0
    assert count(q="ventilation") == 1
    assert count(authority="MVD") == 1  # lena's own subtree, through the parent ministry


def test_it_shows_a_recommendation_with_its_links(as_coordinator, world):
    rec = world["kuis_rec"]
    rec.provisions.set(Provision.objects.filter(theme__code="safeguards").order_by("code")[:2])
    body = as_coordinator.get(f"{RECS}{rec.pk}/").json()
    assert body["text"] == body["text_en"] == KUIS_TEXT
    assert (body["source"], body["addressee"], body["report"]) == (
        "visit_report",
        "facility",
        world["kuis_report"].pk,
    )
    assert body["authority"]["code"] == "KUIS"
    assert body["facility"] == {
        "id": world["kuis"].pk,
        "code": world["kuis"].code,
        "name": world["kuis"].name,
        "name_kk": world["kuis"].name_kk,
        "name_ru": world["kuis"].name_ru,
        "name_en": world["kuis"].name_en,
    }
    assert body["theme"] == "safeguards"
    assert body["provisions"] == sorted(rec.provisions.values_list("code", flat=True))
    assert body["status"]["code"] == "in_progress" and body["status"]["closed"] is False
    assert (body["status_changed_on"], body["last_verification"]) == ("2025-04-20", "documents")
    assert (body["deadline"], body["overdue"]) == ("2025-05-01", True)
    assert body["repeat_of"] is None


def test_it_shows_the_sent_report_to_the_liaison_but_not_another_authority_repeat(
    as_liaison, world, coordinator
):
    later = recommendation(
        coordinator, world["kuis_report"], text="Again: ventilation.", repeat_of=world["draft_rec"]
    )
    body = as_liaison.get(f"{RECS}{later.pk}/").json()
    assert body["report"] == world["kuis_report"].pk  # sent to lena's authority
    assert body["repeat_of"] is None  # the repeated one came from an unsent report: no probe-able id


def test_it_filters_recommendations(as_coordinator, world):
    kuis, mz, draft = (world[key].pk for key in ("kuis_rec", "mz_rec", "draft_rec"))
    assert ids(as_coordinator.get(RECS, {"status": "in_progress"})) == {kuis}
    assert ids(as_coordinator.get(RECS, {"status": "no_response"})) == {mz, draft}
    assert ids(as_coordinator.get(RECS, {"authority": "MVD"})) == {kuis, draft}
    assert ids(as_coordinator.get(RECS, {"authority": "MZ"})) == {mz}
    assert ids(as_coordinator.get(RECS, {"facility": world["mz"].pk})) == {mz}
    assert ids(as_coordinator.get(RECS, {"theme": "treatment"})) == {mz}
    assert ids(as_coordinator.get(RECS, {"year": 2025})) == {kuis, mz, draft}
    assert ids(as_coordinator.get(RECS, {"year": 2024})) == set()
    assert ids(as_coordinator.get(RECS, {"overdue": "true"})) == {kuis}
    assert ids(as_coordinator.get(RECS, {"q": "RESTRAINT beds"})) == {mz}
    assert as_coordinator.get(RECS, {"facility": "x"}).status_code == 400


def test_it_shows_the_history_without_internal_notes_to_the_liaison(as_liaison, as_coordinator, world):
    url = f"{RECS}{world['kuis_rec'].pk}/history/"
    staff = as_coordinator.get(url).json()
    assert [(row["status"]["code"], row["verification"]) for row in staff] == [("in_progress", "documents")]
    assert staff[0]["evidence"] == EVIDENCE and staff[0]["author"] == "Alice"
    portal = as_liaison.get(url)
    assert portal.json()[0]["status"]["code"] == "in_progress"
    assert portal.json()[0]["verification"] == "documents"
    assert (portal.json()[0]["evidence"], portal.json()[0]["author"]) == ("", None)
    assert b"EVIDENCE-SECRET" not in portal.content


@pytest.mark.parametrize("persona", ["coordinator", "liaison"])
def test_it_lists_recommendations_in_a_bounded_number_of_queries(
    client_as, world, coordinator, persona, django_assert_max_num_queries
):
    earlier = world["kuis_rec"]
    provisions = list(Provision.objects.filter(theme__code="safeguards")[:3])
    for n in range(30):
        made = recommendation(
            coordinator, world["kuis_report"], text=f"Recommendation number {n}", repeat_of=earlier
        )
        made.provisions.set(provisions)
    client = client_as(persona)
    # session, user, (the liaison's authority), count, page, provisions
    with django_assert_max_num_queries(7):
        response = client.get(RECS, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == (31 if persona == "liaison" else 33)


# ---------------------------------------------------------------- issuing and correcting


def test_it_lets_a_coordinator_issue_a_recommendation(as_coordinator, world, coordinator):
    codes = list(
        Provision.objects.filter(theme__code="safeguards").order_by("code").values_list("code", flat=True)[:2]
    )
    response = as_coordinator.post(
        RECS, payload(provisions=codes, repeat_of=world["kuis_rec"].pk), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    made = Recommendation.objects.get(pk=body["id"])
    assert (made.authority.code, made.created_by, made.status.code, made.repeat_of) == (
        "KUIS",
        coordinator,
        "no_response",
        world["kuis_rec"],
    )
    assert body["provisions"] == codes and body["repeat_of"] == world["kuis_rec"].pk
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="recommendations.recommendation", object_id=str(made.pk)
    ).exists()


def test_it_returns_every_problem_of_a_new_recommendation_and_writes_nothing(as_coordinator, world):
    before = state()
    response = as_coordinator.post(
        RECS,
        payload(text_en="", authority=None, deadline="2025-01-01", source="visit_report"),
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["text_ru"] == ["Write the recommendation in at least one language."]
    assert errors["authority"] == ["Name the ministry or committee the recommendation is addressed to."]
    assert errors["deadline"] == ["The deadline cannot be before the date of issue."]
    assert errors["report"] == ["Name the visit report the recommendation comes from."]
    assert state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"theme": "no-such-theme"}, "theme"),
        ({"provisions": ["NO-SUCH-CODE"]}, "provisions"),
        ({"authority": "NOPE"}, "authority"),
        ({"facility": 999999}, "facility"),
        ({"report": 999999}, "report"),
        ({"repeat_of": 999999}, "repeat_of"),
        ({"addressee": "the moon"}, "addressee"),
        ({"issued_on": "yesterday"}, "issued_on"),
    ],
)
def test_it_refuses_bad_values(as_coordinator, world, overrides, field):
    before = state()
    response = as_coordinator.post(RECS, payload(**overrides), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert state() == before


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("council", 403),
        ("monitor", 403),
        ("liaison", 403),
        ("other_liaison", 403),
        ("trainer", 403),
        ("anonymous", 401),
    ],
)
def test_it_refuses_writes_from_those_who_do_not_manage_recommendations(client_as, world, persona, code):
    client = client_as(persona)
    rec = world["kuis_rec"]
    before = state()
    assert client.post(RECS, payload(), content_type="application/json").status_code == code
    assert (
        client.patch(f"{RECS}{rec.pk}/", {"text_en": "X"}, content_type="application/json").status_code
        == code
    )
    assert client.put(f"{RECS}{rec.pk}/", payload(), content_type="application/json").status_code == code
    status_body = {"status": "implemented", "verification": "documents"}
    assert (
        client.post(f"{RECS}{rec.pk}/status/", status_body, content_type="application/json").status_code
        == code
    )
    assert state() == before
    rec.refresh_from_db()
    assert (rec.text_en, rec.status.code) == (KUIS_TEXT, "in_progress")


def test_it_corrects_only_the_given_values_with_patch(as_coordinator, world):
    rec = world["mz_rec"]
    response = as_coordinator.patch(
        f"{RECS}{rec.pk}/",
        {"text_ru": "Прекратить использование", "priority": "high"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    rec.refresh_from_db()
    assert (rec.text_ru, rec.text_en, rec.priority, rec.report, rec.theme.code) == (
        "Прекратить использование",
        MZ_TEXT,
        "high",
        world["mz_rec"].report,
        "treatment",
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, object_type="recommendations.recommendation", object_id=str(rec.pk)
    ).exists()


def test_it_replaces_a_recommendation_with_put_under_the_same_rules(as_coordinator, world):
    rec = world["mz_rec"]
    bad = as_coordinator.put(f"{RECS}{rec.pk}/", payload(text_en=""), content_type="application/json")
    assert bad.status_code == 400 and "text_ru" in bad.json()
    rec.refresh_from_db()
    assert rec.text_en == MZ_TEXT
    good = as_coordinator.put(f"{RECS}{rec.pk}/", payload(authority="MZ"), content_type="application/json")
    assert good.status_code == 200, good.json()
    rec.refresh_from_db()
    assert (rec.addressee, rec.authority.code, rec.source) == ("authority", "MZ", "other")


def test_it_offers_no_deletion(as_coordinator, world):
    assert as_coordinator.delete(f"{RECS}{world['mz_rec'].pk}/").status_code == 405
    assert Recommendation.objects.filter(pk=world["mz_rec"].pk).exists()


# ---------------------------------------------------------------- assessing


def test_it_refuses_a_status_change_without_verification_and_writes_nothing(as_coordinator, world):
    rec = world["mz_rec"]
    before = state()
    response = as_coordinator.post(
        f"{RECS}{rec.pk}/status/",
        {"status": "implemented", "changed_on": "2025-05-02"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["verification"] == ["Say how the status was verified."]
    assert state() == before
    rec.refresh_from_db()
    assert rec.status.code == "no_response"


def test_it_refuses_an_on_site_check_without_a_visit_and_an_unknown_status(as_coordinator, world):
    before = state()
    response = as_coordinator.post(
        f"{RECS}{world['mz_rec'].pk}/status/",
        {"status": "nope", "verification": "on_site", "response": 999999},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "response"}
    response = as_coordinator.post(
        f"{RECS}{world['mz_rec'].pk}/status/",
        {"status": "implemented", "verification": "on_site", "changed_on": "2099-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["visit"] == ["A check on site names the follow-up visit."]
    assert response.json()["changed_on"] == ["The date cannot be in the future."]
    assert state() == before


def test_it_records_an_on_site_assessment_of_a_response(as_coordinator, world, coordinator):
    rec, answer = world["mz_rec"], world["mz_response"]
    response = as_coordinator.post(
        f"{RECS}{rec.pk}/status/",
        {
            "status": "partially_implemented",
            "changed_on": "2025-05-02",
            "verification": "on_site",
            "visit": world["mz_rec"].report.visit_id,
            "response": answer.pk,
            "evidence": "Two of four beds removed.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"]["code"], body["verification"], body["visit"], body["response"]) == (
        "partially_implemented",
        "on_site",
        rec.report.visit_id,
        answer.pk,
    )
    rec.refresh_from_db()
    answer.refresh_from_db()
    assert (rec.status.code, str(rec.status_changed_on)) == ("partially_implemented", "2025-05-02")
    assert answer.assessed_at is not None
    assert StatusChange.objects.get(pk=body["id"]).author == coordinator


def test_it_gives_404_when_assessing_an_unknown_recommendation(as_coordinator, world):
    response = as_coordinator.post(
        f"{RECS}999999/status/",
        {"status": "implemented", "verification": "documents"},
        content_type="application/json",
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- statuses


@pytest.mark.parametrize("persona", ["coordinator", "liaison", "trainer"])
def test_it_lists_the_status_values_of_the_pack(client_as, persona):
    response = client_as(persona).get(STATUSES)
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert set(rows) == set(Status.objects.values_list("code", flat=True))
    assert (rows["implemented"]["outcome"], rows["implemented"]["closed"]) == ("implemented", True)
    assert rows["no_response"]["initial"] is True
    assert client_as(persona).get(f"{STATUSES}implemented/").json()["code"] == "implemented"


def test_it_keeps_the_status_values_from_anonymous_users(anonymous):
    assert anonymous.get(STATUSES).status_code == 401


def test_it_keeps_the_status_values_read_only(as_coordinator):
    assert as_coordinator.post(STATUSES, {"code": "x"}, content_type="application/json").status_code == 405


# ---------------------------------------------------------------- responses


RESPONDERS: dict[str, bool] = {
    "coordinator": True,
    "council": True,
    "monitor": True,
    "liaison": False,
    "other_liaison": True,
    "trainer": False,
}


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_responses_only_to_their_authority_and_the_npm(client_as, world, persona):
    client = client_as(persona)
    answer = world["mz_response"]
    listed = client.get(RESPONSES)
    detail = client.get(f"{RESPONSES}{answer.pk}/")
    if persona == "anonymous":
        assert (listed.status_code, detail.status_code) == (401, 401)
        return
    assert ids(listed) == ({answer.pk} if RESPONDERS[persona] else set())
    assert detail.status_code == (200 if RESPONDERS[persona] else 404)
    if not RESPONDERS[persona]:
        assert b"MZ-RESPONSE-SECRET" not in listed.content + detail.content


def test_it_lists_attachments_with_a_checked_download_url_and_never_the_path(
    as_other_liaison, as_liaison, world
):
    answer = world["mz_response"]
    stored = answer.attachments.get()
    body = as_other_liaison.get(f"{RESPONSES}{answer.pk}/").json()
    assert body["recommendation"] == world["mz_rec"].pk and body["authority"]["code"] == "MZ"
    assert body["submitted_by"] == "Omar"
    [attachment] = body["attachments"]
    url = reverse("recommendations:response_attachment", kwargs={"pk": stored.pk})
    assert attachment == {
        "id": stored.pk,
        "name": "mz-omega-order.pdf",
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
        "sha256": stored.sha256,
        "url": f"http://testserver{url}",
    }
    assert stored.file.name not in str(body)
    download = as_other_liaison.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert as_liaison.get(url).status_code == 404


def test_it_filters_responses(as_coordinator, world):
    answer = world["mz_response"]
    assert ids(as_coordinator.get(RESPONSES, {"recommendation": world["mz_rec"].pk})) == {answer.pk}
    assert ids(as_coordinator.get(RESPONSES, {"recommendation": world["kuis_rec"].pk})) == set()
    assert ids(as_coordinator.get(RESPONSES, {"assessed": "false"})) == {answer.pk}
    assert ids(as_coordinator.get(RESPONSES, {"assessed": "true"})) == set()


def test_it_takes_a_liaisons_response_with_attachments(as_liaison, world, liaison, media_root):
    rec = world["kuis_rec"]
    response = as_liaison.post(
        RESPONSES,
        {
            "recommendation": rec.pk,
            "text": "Ventilation repaired in block A.",
            "action_plan": "Block B by June.",
            "planned_by": "2026-06-30",
            "files": [upload("plan.pdf", PDF_BYTES), upload("order.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    saved = Response.objects.get(pk=body["id"])
    assert (saved.recommendation, saved.authority.code, saved.submitted_by) == (rec, "KUIS", liaison)
    assert [a["name"] for a in body["attachments"]] == ["plan.pdf", "order.pdf"]
    assert len(stored_files(media_root)) == 3  # omar's earlier file and lena's two
    assert body["assessed_at"] is None


def test_it_refuses_a_forbidden_attachment_and_writes_no_row_and_no_file(as_liaison, world, media_root):
    files_before = stored_files(media_root)
    before = state()
    response = as_liaison.post(
        RESPONSES,
        {
            "recommendation": world["kuis_rec"].pk,
            "text": "See the attached programme.",
            "files": [upload("plan.pdf", PDF_BYTES), upload("setup.pdf", EXE_BYTES)],
        },
    )
    assert response.status_code == 400
    [message] = response.json()["files"]
    assert message.startswith("setup.pdf: the file is not a PDF")
    assert state() == before
    assert stored_files(media_root) == files_before


def test_it_refuses_a_response_to_a_closed_recommendation(as_liaison, world):
    rec = world["kuis_rec"]
    Recommendation.objects.filter(pk=rec.pk).update(status=Status.objects.get(code="implemented"))
    before = state()
    response = as_liaison.post(RESPONSES, {"recommendation": rec.pk, "text": "Done."})
    assert response.status_code == 400
    assert "a response to a closed recommendation is not accepted" in response.json()["__all__"][0]
    assert state() == before


@pytest.mark.parametrize("key", ["mz_rec", "draft_rec"])
def test_it_does_not_let_a_liaison_answer_what_it_cannot_see(as_liaison, world, key):
    before = state()
    response = as_liaison.post(RESPONSES, {"recommendation": world[key].pk, "text": "Done."})
    assert response.status_code == 400
    assert response.json() == {"recommendation": ["No such recommendation."]}
    assert state() == before


@pytest.mark.parametrize(
    ("persona", "code"),
    [("coordinator", 403), ("council", 403), ("monitor", 403), ("trainer", 403), ("anonymous", 401)],
)
def test_it_takes_responses_only_from_liaisons(client_as, world, media_root, persona, code):
    before = state()
    response = client_as(persona).post(
        RESPONSES,
        {"recommendation": world["kuis_rec"].pk, "text": "Done.", "files": [upload("plan.pdf", PDF_BYTES)]},
    )
    assert response.status_code == code
    assert state() == before
    assert len(stored_files(media_root)) == 1  # omar's only


# ---------------------------------------------------------------- letters


LETTERS_SEEN: dict[str, set[str]] = {
    **{persona: {"kuis_letter", "mz_letter"} for persona in STAFF},
    "liaison": {"kuis_letter"},
    "other_liaison": {"mz_letter"},
    "trainer": set(),
}


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_letters_only_of_the_liaisons_subtree(client_as, world, persona):
    client = client_as(persona)
    listed = client.get(LETTERS)
    if persona == "anonymous":
        assert listed.status_code == 401
        return
    assert ids(listed) == {world[key].pk for key in LETTERS_SEEN[persona]}
    for key in ("kuis_letter", "mz_letter"):
        code = client.get(f"{LETTERS}{world[key].pk}/").status_code
        assert code == (200 if key in LETTERS_SEEN[persona] else 404)


def test_it_links_a_letter_only_to_what_the_reader_sees(as_liaison, as_coordinator, world):
    url = f"{LETTERS}{world['kuis_letter'].pk}/"
    staff = as_coordinator.get(url).json()
    assert staff["recommendations"] == sorted([world["kuis_rec"].pk, world["draft_rec"].pk])
    assert (staff["number"], staff["direction"], staff["authority"]["code"]) == ("OUT-1", "out", "KUIS")
    portal = as_liaison.get(url).json()
    assert portal["recommendations"] == [world["kuis_rec"].pk]  # not the unsent report's
    assert portal["report"] == world["kuis_report"].pk  # sent to KUIS


def test_it_filters_letters(as_coordinator, world):
    assert ids(as_coordinator.get(LETTERS, {"authority": "MVD"})) == {world["kuis_letter"].pk}
    assert ids(as_coordinator.get(LETTERS, {"authority": "MZ"})) == {world["mz_letter"].pk}
    assert ids(as_coordinator.get(LETTERS, {"recommendation": world["mz_rec"].pk})) == {world["mz_letter"].pk}
    assert ids(as_coordinator.get(LETTERS, {"facility": world["mz"].pk})) == {world["mz_letter"].pk}
    assert ids(as_coordinator.get(LETTERS, {"direction": "in"})) == set()


def test_it_keeps_letters_read_only(as_coordinator, world):
    assert as_coordinator.post(LETTERS, {}, content_type="application/json").status_code == 405
    url = f"{LETTERS}{world['mz_letter'].pk}/"
    assert as_coordinator.patch(url, {"subject": "X"}, content_type="application/json").status_code == 405


# ---------------------------------------------------------------- reprisal cases


@pytest.mark.parametrize("path", ["reprisals", "reprisal-cases", "reprisal-checks"])
def test_it_has_no_endpoint_for_reprisal_cases(as_coordinator: Client, path: str) -> None:
    assert as_coordinator.get(f"/api/v1/{path}/").status_code == 404
    schema = as_coordinator.get("/api/schema/", {"format": "json"}).json()
    assert not [p for p in schema["paths"] if "reprisal" in p.lower()]
    assert not [name for name in schema["components"]["schemas"] if "reprisal" in name.lower()]


def test_it_documents_the_recommendation_endpoints(as_coordinator: Client) -> None:
    paths = as_coordinator.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/recommendations/"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/recommendations/{id}/"])
    assert "delete" not in paths["/api/v1/recommendations/{id}/"]
    assert set(paths["/api/v1/recommendations/{id}/status/"]) == {"post"}
    assert set(paths["/api/v1/recommendations/{id}/history/"]) == {"get"}
    assert "multipart/form-data" in paths["/api/v1/responses/"]["post"]["requestBody"]["content"]
    assert set(paths["/api/v1/letters/{id}/"]) == {"get"}
    params = {p["name"] for p in paths["/api/v1/recommendations/"]["get"]["parameters"]}
    assert {"status", "authority", "facility", "theme", "year", "overdue", "q"} <= params
