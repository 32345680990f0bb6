from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

import pytest

from dozor.accounts.models import AuditEvent, Role, User
from dozor.api.conftest import PERSONAS
from dozor.api.methodology.tests.test_methodology import make_template
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory, health_facility
from dozor.methodology.models import Question, TemplateVersion
from dozor.visits.models import Answer, Submission, TeamMember, Visit

ALL = [*PERSONAS, "council"]
# Which of the two visits (bob's, and one without him) each persona sees.
SEES = {
    "coordinator": {"bobs", "other"},
    "council": {"bobs", "other"},
    "monitor": {"bobs"},
    "liaison": set(),
    "other_liaison": set(),
    "trainer": set(),
}


def make_visit(version: TemplateVersion | None, *members: tuple[User, str], **kwargs: Any) -> Visit:
    visit = Visit.objects.create(
        facility=kwargs.pop("facility", None) or FacilityFactory(),
        visit_type=VisitType.objects.order_by("code").first(),
        started_on=kwargs.pop("started_on", datetime.date(2025, 3, 1)),
        template_version=version,
        **kwargs,
    )
    for user, role in members:
        TeamMember.objects.create(visit=visit, user=user, role=role)
    return visit


@pytest.fixture
def version(db) -> TemplateVersion:
    return make_template()


@pytest.fixture
def visits(version, monitor, coordinator) -> dict[str, Visit]:
    other_monitor = User.objects.create_user(username="dina", password="x", role=Role.MONITOR)
    return {
        "bobs": make_visit(version, (monitor, TeamMember.Role.MEMBER), (coordinator, TeamMember.Role.LEADER)),
        "other": make_visit(
            version,
            (other_monitor, TeamMember.Role.LEADER),
            facility=health_facility(),
            status=Visit.Status.COMPLETED,
            started_on=datetime.date(2025, 2, 1),
            ended_on=datetime.date(2025, 2, 2),
        ),
    }


def submitted(visit: Visit, instance_id: str = "uuid:s1", **values: str) -> Submission:
    submission = Submission.objects.create(
        visit=visit,
        version=visit.template_version,
        instance_id=instance_id,
        source=Submission.Source.KOBO,
        submitter_name="Bob",
    )
    questions = {q.name: q for q in Question.objects.filter(section__version=visit.template_version)}
    for name, value in (values or {"has_light": "yes", "meals": "daily", "cells": "4"}).items():
        Answer.objects.create(submission=submission, question=questions[name], value=value)
    return submission


def state() -> tuple[int, int, int]:
    return (
        Submission.objects.count(),
        Answer.objects.count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN).count(),
    )


# ---------------------------------------------------------------- visits


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_only_visible_visits(client_as, visits, persona):
    response = client_as(persona).get("/api/v1/visits/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    assert {row["id"] for row in body["results"]} == {visits[key].pk for key in SEES[persona]}
    assert body["count"] == len(SEES[persona])


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_visit_only_when_visible(client_as, visits, persona):
    client = client_as(persona)
    for key, visit in visits.items():
        response = client.get(f"/api/v1/visits/{visit.pk}/")
        if persona == "anonymous":
            assert response.status_code == 401
        elif key in SEES[persona]:
            assert response.status_code == 200
            assert response.json()["id"] == visit.pk
        else:
            assert response.status_code == 404


def test_it_gives_404_for_a_missing_or_malformed_visit(as_coordinator):
    assert as_coordinator.get("/api/v1/visits/999999/").status_code == 404
    assert as_coordinator.get("/api/v1/visits/abc/").status_code == 404
    assert as_coordinator.get("/api/v1/visits/999999/submissions/").status_code == 404


def test_it_outputs_a_visit_with_place_dates_version_and_team(as_monitor, visits):
    visit = visits["bobs"]
    body = as_monitor.get(f"/api/v1/visits/{visit.pk}/").json()
    assert body["facility"]["id"] == visit.facility_id
    assert body["facility"]["code"] == visit.facility.code
    assert body["facility"]["name"] == visit.facility.name_en
    assert body["facility"]["name_ru"] and body["facility"]["name_kk"]
    assert body["visit_type"]["code"] == visit.visit_type.code
    assert (body["status"], body["started_on"], body["ended_on"]) == ("planned", "2025-03-01", None)
    assert body["announced"] is False
    version = visit.template_version
    assert body["template_version"] == {
        "id": version.pk,
        "number": 1,
        "status": "published",
        "template": {"id": version.template_id, "code": "zz_test", "name": "Test checklist"},
    }
    assert sorted((m["username"], m["role"]) for m in body["team"]) == [
        ("alice", "leader"),
        ("bob", "member"),
    ]


def test_it_outputs_a_visit_without_a_version(as_coordinator, db):
    visit = make_visit(None)
    body = as_coordinator.get(f"/api/v1/visits/{visit.pk}/").json()
    assert body["template_version"] is None
    assert body["team"] == []


def test_it_filters_visits(as_coordinator, visits):
    def ids(**params: Any) -> set[int]:
        return {row["id"] for row in as_coordinator.get("/api/v1/visits/", params).json()["results"]}

    bobs, other = visits["bobs"], visits["other"]
    assert ids(status="completed") == {other.pk}
    assert ids(facility=bobs.facility_id) == {bobs.pk}
    assert ids(facility_code=other.facility.code) == {other.pk}
    assert ids(started_on_after="2025-02-15") == {bobs.pk}
    assert as_coordinator.get("/api/v1/visits/", {"status": "nope"}).status_code == 400


def test_it_lists_visits_in_a_bounded_number_of_queries(
    as_coordinator, version, monitor, coordinator, django_assert_max_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            make_visit(version, (monitor, TeamMember.Role.MEMBER), (coordinator, TeamMember.Role.LEADER))

    make(2)
    with django_assert_max_num_queries(7):
        assert as_coordinator.get("/api/v1/visits/").json()["count"] == 2
    make(30)
    with django_assert_max_num_queries(7):
        assert as_coordinator.get("/api/v1/visits/").json()["count"] == 32


def test_it_lists_a_monitors_visits_in_a_bounded_number_of_queries(
    as_monitor, version, monitor, django_assert_max_num_queries
):
    for _ in range(2):
        make_visit(version, (monitor, TeamMember.Role.MEMBER))
    with django_assert_max_num_queries(7):
        assert as_monitor.get("/api/v1/visits/").json()["count"] == 2
    for _ in range(20):
        make_visit(version, (monitor, TeamMember.Role.MEMBER))
    with django_assert_max_num_queries(7):
        assert as_monitor.get("/api/v1/visits/").json()["count"] == 22


# ---------------------------------------------------------------- submissions: reading


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_submissions_only_of_visible_visits(client_as, visits, persona):
    for key, visit in visits.items():
        submitted(visit, instance_id=f"uuid:{key}")
    client = client_as(persona)
    for key, visit in visits.items():
        response = client.get(f"/api/v1/visits/{visit.pk}/submissions/")
        if persona == "anonymous":
            assert response.status_code == 401
        elif key in SEES[persona]:
            assert response.status_code == 200
            assert [row["instance_id"] for row in response.json()["results"]] == [f"uuid:{key}"]
        else:
            assert response.status_code == 404


def test_it_outputs_submissions_with_their_answers(as_monitor, visits):
    submission = submitted(visits["bobs"])
    body = as_monitor.get(f"/api/v1/visits/{visits['bobs'].pk}/submissions/").json()
    [row] = body["results"]
    assert row["id"] == submission.pk
    assert (row["instance_id"], row["source"], row["submitter_name"]) == ("uuid:s1", "kobo", "Bob")
    assert row["version"]["number"] == 1
    assert row["version"]["template"]["code"] == "zz_test"
    assert row["submitted_by"] is None
    assert row["answers"] == [
        {"question": "has_light", "repeat_index": 0, "value": "yes"},
        {"question": "meals", "repeat_index": 0, "value": "daily"},
        {"question": "cells", "repeat_index": 0, "value": "4"},
    ]


def test_it_lists_submissions_in_a_bounded_number_of_queries(
    as_coordinator, visits, django_assert_max_num_queries
):
    visit = visits["bobs"]
    submitted(visit, "uuid:first")
    url = f"/api/v1/visits/{visit.pk}/submissions/"
    with django_assert_max_num_queries(8):
        assert as_coordinator.get(url).json()["count"] == 1
    for i in range(25):
        submitted(visit, f"uuid:more-{i}")
    with django_assert_max_num_queries(8):
        assert as_coordinator.get(url).json()["count"] == 26


# ---------------------------------------------------------------- submissions: importing


def odk_csv(*rows: dict[str, str], template: str = "zz_test", number: str = "1") -> bytes:
    header = [
        "SubmissionDate",
        "conditions-has_light",
        "conditions-meals",
        "conditions-cells",
        "dozor_template",
        "dozor_version",
        "meta-instanceID",
        "SubmitterName",
        "KEY",
    ]
    lines = [",".join(header)]
    for row in rows:
        values = {
            "SubmissionDate": "2025-03-01T10:00:00.000Z",
            "dozor_template": template,
            "dozor_version": number,
            "SubmitterName": "bob",
        } | row
        values.setdefault("KEY", values["meta-instanceID"])
        lines.append(",".join(values.get(column, "") for column in header))
    return ("\n".join(lines) + "\n").encode()


def kobo_json(*records: dict[str, Any]) -> bytes:
    base = {"dozor_template": "zz_test", "dozor_version": "1", "_submission_time": "2025-03-01T10:00:00"}
    return json.dumps([base | record for record in records]).encode()


GOOD = {"conditions-has_light": "yes", "conditions-meals": "daily", "conditions-cells": "3"}


def upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def post(client, visit: Visit, content: bytes, name: str = "export.csv", **extra: Any):
    return client.post(f"/api/v1/visits/{visit.pk}/submissions/", {"file": upload(content, name), **extra})


def test_it_imports_an_odk_central_csv(as_coordinator, visits):
    visit = visits["bobs"]
    data = odk_csv(GOOD | {"meta-instanceID": "uuid:a"}, GOOD | {"meta-instanceID": "uuid:b"})
    response = post(as_coordinator, visit, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "odk_central"
    assert sorted(body["created"]) == ["uuid:a", "uuid:b"]
    assert body["skipped_existing"] == []
    assert body["dry_run"] is False
    assert body["summary"]
    assert set(visit.submissions.values_list("instance_id", flat=True)) == {"uuid:a", "uuid:b"}
    listed = as_coordinator.get(f"/api/v1/visits/{visit.pk}/submissions/").json()
    assert {a["question"]: a["value"] for a in listed["results"][0]["answers"]} == {
        "has_light": "yes",
        "meals": "daily",
        "cells": "3",
    }


def test_it_imports_an_odk_central_csv_zip(as_coordinator, visits):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dozor_zz_test.csv", odk_csv(GOOD | {"meta-instanceID": "uuid:z"}))
    response = post(as_coordinator, visits["bobs"], buffer.getvalue(), "dozor_zz_test.csv.zip")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == ["uuid:z"]


def test_it_lets_a_monitor_on_the_team_import_a_kobo_json_export(as_monitor, visits):
    visit = visits["bobs"]
    record = {
        "conditions/has_light": "no",
        "conditions/cells": 2,
        "meta/instanceID": "uuid:k1",
        "_uuid": "k1",
    }
    response = post(as_monitor, visit, kobo_json(record), "export.json")
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "kobo"
    submission = visit.submissions.get()
    assert {a.question.name: a.value for a in submission.answers.all()} == {"has_light": "no", "cells": "2"}


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_recorders_of_the_visit_import(client_as, visits, persona):
    before = state()
    responses = {
        key: post(client_as(persona), visit, odk_csv(GOOD | {"meta-instanceID": f"uuid:{persona}-{key}"}))
        for key, visit in visits.items()
    }
    codes = {key: r.status_code for key, r in responses.items()}
    if persona == "anonymous":
        assert codes == {"bobs": 401, "other": 401}
    elif persona == "coordinator":
        assert codes == {"bobs": 201, "other": 201}
        return
    elif persona == "monitor":
        assert codes == {"bobs": 201, "other": 404}
        assert Submission.objects.count() == before[0] + 1
        return
    elif persona == "council":
        assert codes == {"bobs": 403, "other": 403}  # sees every visit, records none
    else:
        assert codes == {"bobs": 404, "other": 404}
    assert state() == before


def test_it_refuses_a_file_with_problems_whole_and_lists_them_per_submission(as_coordinator, visits):
    visit = visits["bobs"]
    submitted(visit, "uuid:old")
    data = odk_csv(
        GOOD | {"meta-instanceID": "uuid:ok"},
        GOOD | {"meta-instanceID": "uuid:bad", "conditions-meals": "hourly", "conditions-cells": "-1"},
        GOOD | {"meta-instanceID": "uuid:nolight", "conditions-has_light": ""},
    )
    before = state()
    response = post(as_coordinator, visit, data)
    assert response.status_code == 400
    body = response.json()
    assert body["summary"]
    problems = {(p["instance_id"], p["field"]) for p in body["problems"]}
    assert {("uuid:bad", "meals"), ("uuid:bad", "cells"), ("uuid:nolight", "has_light")} <= problems
    assert all(p["instance_id"] != "uuid:ok" for p in body["problems"])
    assert state() == before


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "empty.csv"),
        (b"just,some\ncolumns,here\n", "other.csv"),
        (b"[{broken json", "export.json"),
        (b"PK\x03\x04not really a zip", "export.zip"),
    ],
    ids=["empty", "not-an-export", "broken-json", "broken-zip"],
)
def test_it_refuses_an_unreadable_file_and_writes_nothing(as_coordinator, visits, content, name):
    before = state()
    response = post(as_coordinator, visits["bobs"], content, name)
    assert response.status_code == 400
    body = response.json()
    assert body.get("problems") or body.get("file")
    assert state() == before


def test_it_refuses_a_file_filled_with_another_version(as_coordinator, visits):
    before = state()
    response = post(
        as_coordinator, visits["bobs"], odk_csv(GOOD | {"meta-instanceID": "uuid:v2"}, number="2")
    )
    assert response.status_code == 400
    assert any(p["field"] == "dozor_template" for p in response.json()["problems"])
    assert state() == before


def test_it_refuses_an_import_into_a_visit_without_a_version(as_coordinator, db):
    visit = make_visit(None)
    before = state()
    response = post(as_coordinator, visit, odk_csv(GOOD | {"meta-instanceID": "uuid:x"}))
    assert response.status_code == 400
    assert response.json()["problems"]
    assert state() == before


def test_it_requires_a_file(as_coordinator, visits):
    before = state()
    response = as_coordinator.post(f"/api/v1/visits/{visits['bobs'].pk}/submissions/", {})
    assert response.status_code == 400
    assert "file" in response.json()
    assert state() == before


def test_it_skips_submissions_already_imported(as_coordinator, visits):
    visit = visits["bobs"]
    data = odk_csv(GOOD | {"meta-instanceID": "uuid:once"})
    assert post(as_coordinator, visit, data).status_code == 201
    before = state()
    response = post(as_coordinator, visit, data)
    assert response.status_code == 200
    assert response.json()["created"] == []
    assert response.json()["skipped_existing"] == ["uuid:once"]
    assert state() == before


def test_it_checks_without_writing_on_a_dry_run(as_coordinator, visits):
    before = state()
    response = post(
        as_coordinator, visits["bobs"], odk_csv(GOOD | {"meta-instanceID": "uuid:dry"}), dry_run="true"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["created"] == ["uuid:dry"]
    assert state() == before


def test_it_imports_a_kobo_csv_export(as_coordinator, visits):
    data = (
        b"_uuid;conditions/has_light;conditions/meals;conditions/cells;dozor_template;dozor_version\n"
        b"k2;yes;rarely;5;zz_test;1\n"
    )
    response = post(as_coordinator, visits["bobs"], data, "kobo.csv")
    assert response.status_code == 201, response.content
    assert response.json() | {"summary": ""} == {
        "source": "kobo",
        "created": ["uuid:k2"],
        "skipped_existing": [],
        "replaced": {},
        "completed": [],
        "flagged": [],
        "not_imported": [],
        "dry_run": False,
        "summary": "",
    }
