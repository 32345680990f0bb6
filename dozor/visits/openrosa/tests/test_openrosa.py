"""Dozor as an OpenRosa server, driven by an emulated ODK Collect (``collect.py``)."""

from __future__ import annotations

import base64
import io

import pytest
from django.test import Client
from PIL import Image

from dozor.accounts.devices.services import NewDevice, device_add, device_revoke
from dozor.accounts.models import AuditEvent, User
from dozor.visits.access import submissions_visible_to
from dozor.visits.models import Answer, Evidence, Submission, Visit
from dozor.visits.openrosa.tests.collect import EmulatedCollect, message
from dozor.visits.openrosa.xforms import form_id_for
from dozor.visits.selectors import submission_answer_values

ANSWERS = {
    ("visit_date", 0): "2025-03-01",
    ("holds_women", 0): "yes",
    ("women_separated", 0): "no",
    ("population", 0): "120",
    ("area", 0): "12.50",
    ("regime", 0): "strict",
    ("problems", 0): "crowding light",
    ("notes", 0): "Камеры переполнены; «вентиляция» не работает & <нет> воды",
    ("gps", 0): "43.238949 76.889709 812.5 4.0",
    ("entrance_photo", 0): "1733570000000.jpg",
    ("cell_number", 1): "12",
    ("cell_persons", 1): "6",
    ("cell_window", 1): "no",
    ("window_note", 1): "Окно заложено кирпичом",
    ("cell_number", 2): "14",
    ("cell_persons", 2): "4",
    ("cell_window", 2): "yes",
    ("women_note", 0): "Отдельный блок",
}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Submission.objects.count(),
        Answer.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
    )


def fetch_form(collect: EmulatedCollect, visit: Visit) -> bytes:
    listed = {form.form_id: form for form in collect.form_list()}
    return collect.download(listed[form_id_for(visit)])


def test_it_round_trips_a_checklist_into_the_visit(
    collect: EmulatedCollect, team_visit: Visit, monitor: User
) -> None:
    forms = collect.form_list()
    assert [f.form_id for f in forms] == [form_id_for(team_visit)]
    assert forms[0].version == "3"
    assert forms[0].name.endswith("01.03.2025")
    xform = collect.download(forms[0])
    assert b"/openrosa/submission" in xform  # submission_url in the form
    manifest_url = forms[0].download_url.replace(".xml", "/manifest")
    assert collect.manifest(manifest_url) == []
    instance_id, xml = collect.fill(xform, ANSWERS)

    response = collect.submit(xml, {"1733570000000.jpg": jpeg()})

    assert response.status_code == 201, message(response)
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.visit == team_visit
    assert submission.source == Submission.Source.OPENROSA
    assert submission.status == Submission.Status.FINAL
    assert submission.submitted_by == monitor
    assert submission_answer_values(submission) == ANSWERS
    photo = Evidence.objects.get(visit=team_visit)
    assert photo.kind == Evidence.Kind.PHOTO and photo.sealed and photo.uploaded_by == monitor
    assert AuditEvent.objects.filter(object_type="visits.submission", object_id=str(submission.pk)).exists()
    # Collect made exactly the requests the specs describe, signing in after the first challenge.
    assert [entry[:2] for entry in collect.log][-2:] == [
        ("HEAD", "/openrosa/submission"),
        ("POST", "/openrosa/submission"),
    ]


def test_a_duplicate_gets_202_and_writes_nothing(collect: EmulatedCollect, team_visit: Visit) -> None:
    _instance_id, xml = collect.fill(fetch_form(collect, team_visit), ANSWERS)
    assert collect.submit(xml, {"1733570000000.jpg": jpeg()}).status_code == 201
    before = counts()

    response = collect.submit(xml, {"1733570000000.jpg": jpeg()})

    assert response.status_code == 202
    assert counts() == before


def test_the_same_instance_id_with_other_answers_is_refused(
    collect: EmulatedCollect, team_visit: Visit
) -> None:
    xform = fetch_form(collect, team_visit)
    instance_id, xml = collect.fill(xform, ANSWERS)
    assert collect.submit(xml).status_code == 201
    before = counts()
    _same, changed = collect.fill(xform, {**ANSWERS, ("population", 0): "121"}, instance_id=instance_id)

    response = collect.submit(changed)

    assert response.status_code == 409
    assert counts() == before


def test_an_edit_replaces_the_earlier_version_and_keeps_it_as_history(
    collect: EmulatedCollect, team_visit: Visit, coordinator: User
) -> None:
    xform = fetch_form(collect, team_visit)
    first_id, first = collect.fill(xform, ANSWERS)
    assert collect.submit(first).status_code == 201
    edited = {**ANSWERS, ("population", 0): "95", ("cell_persons", 2): "5"}
    second_id, second = collect.fill(xform, edited, deprecated_id=first_id)

    response = collect.submit(second)

    assert response.status_code == 201, message(response)
    old = Submission.objects.get(instance_id=first_id)
    new = Submission.objects.get(instance_id=second_id)
    assert old.status == Submission.Status.SUPERSEDED and old.replaced_by == new
    assert submission_answer_values(old) == ANSWERS  # history kept
    # Only the new answers count anywhere answers are used.
    assert list(submissions_visible_to(coordinator).filter(visit=team_visit)) == [new]
    assert submission_answer_values(new) == edited
    counted = Answer.objects.filter(submission__visit=team_visit, submission__status=Submission.Status.FINAL)
    assert counted.get(question__name="population").value == "95"
    # The replaced version cannot be edited again.
    _third_id, third = collect.fill(xform, ANSWERS, deprecated_id=first_id)
    before = counts()
    assert collect.submit(third).status_code == 409
    assert counts() == before


def test_answers_the_template_refuses_write_nothing(collect: EmulatedCollect, team_visit: Visit) -> None:
    _instance_id, xml = collect.fill(fetch_form(collect, team_visit), {**ANSWERS, ("population", 0): "-3"})
    before = counts()

    response = collect.submit(xml)

    assert response.status_code == 400
    assert "population" in message(response) and "negative" in message(response)
    assert counts() == before


def test_a_revoked_device_gets_401(
    collect: EmulatedCollect, bob_device: NewDevice, team_visit: Visit, monitor: User
) -> None:
    xform = fetch_form(collect, team_visit)
    device_revoke(actor=monitor, device=bob_device.device)
    _instance_id, xml = collect.fill(xform, ANSWERS)
    before = counts()

    listing = collect.client.get("/openrosa/formList", headers=collect._headers(True))
    posted = collect.client.post(
        "/openrosa/submission", data={"xml_submission_file": io.BytesIO(xml)}, headers=collect._headers(True)
    )

    assert listing.status_code == 401 and posted.status_code == 401
    assert listing["WWW-Authenticate"].startswith('Basic realm="Dozor"')
    assert counts()[:3] == before[:3]


def test_a_device_of_a_deactivated_user_gets_401(
    collect: EmulatedCollect, monitor: User, team_visit: Visit
) -> None:
    collect.form_list()
    monitor.is_active = False
    monitor.save(update_fields=["is_active"])

    assert collect.client.get("/openrosa/formList", headers=collect._headers(True)).status_code == 401


def test_a_wrong_password_gets_401(bob_device: NewDevice, team_visit: Visit) -> None:
    token = base64.b64encode(f"{bob_device.device.username}:wrong".encode()).decode()
    response = Client().get("/openrosa/formList", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401
    assert response["X-OpenRosa-Version"] == "1.0"


def test_a_monitor_never_sees_nor_sends_a_form_of_another_group(
    collect: EmulatedCollect, team_visit: Visit, other_visit: Visit
) -> None:
    assert form_id_for(other_visit) not in [f.form_id for f in collect.form_list()]
    download = collect.request("GET", f"/openrosa/forms/{form_id_for(other_visit)}.xml")
    assert download.status_code == 404
    # A submission made from this group's form, pointed at the other group's visit.
    xform = fetch_form(collect, team_visit).replace(
        f'id="{form_id_for(team_visit)}"'.encode(), f'id="{form_id_for(other_visit)}"'.encode()
    )
    _instance_id, xml = collect.fill(xform, ANSWERS)
    before = counts()

    response = collect.submit(xml, {"1733570000000.jpg": jpeg()})

    assert response.status_code == 403
    assert counts() == before


def test_a_coordinator_device_lists_only_their_own_team_visits(
    coordinator: User, team_visit: Visit, other_visit: Visit
) -> None:
    new = device_add(actor=coordinator, user=coordinator)
    device = EmulatedCollect(new.server_url, new.device.username, new.password)
    assert device.form_list() == []


def test_the_server_url_with_a_trailing_slash_works(collect: EmulatedCollect, team_visit: Visit) -> None:
    response = collect.request("GET", "/openrosa//formList")
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_openrosa_views_answer_without_a_session(method: str, team_visit: Visit) -> None:
    response = Client(enforce_csrf_checks=True).generic(method, "/openrosa/submission")
    assert response.status_code == 401


def test_the_visit_page_counts_only_the_current_version_and_flags_issues(
    collect: EmulatedCollect, team_visit: Visit, coordinator: User
) -> None:
    xform = fetch_form(collect, team_visit)
    first_id, first = collect.fill(xform, ANSWERS)
    assert collect.submit(first).status_code == 201
    second_id, second = collect.fill(xform, {**ANSWERS, ("population", 0): "95"}, deprecated_id=first_id)
    assert collect.submit(second).status_code == 201
    Submission.objects.filter(instance_id=second_id).update(review_state="hasIssues")
    client = Client()
    client.force_login(coordinator)

    page = client.get(f"/visits/{team_visit.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="submission"') == 1  # the replaced version is history only
    assert 'data-testid="has-issues"' in html
    assert "replaced by an edit" not in html  # not listed as a draft to continue either
