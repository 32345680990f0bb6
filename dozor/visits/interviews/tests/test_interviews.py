"""Confidential interviews: who reads them, what is written, and that nothing is stored in clear."""

from __future__ import annotations

import base64
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Language
from dozor.visits.interviews.consent import uses_in_force
from dozor.visits.interviews.services import interview_record, interview_update
from dozor.visits.models import Interview, TeamMember, Visit

pytestmark = pytest.mark.django_db

NOTES = "Жанар Ахметова 870412400123 cell 14: beaten on 2 March by guard Serikov"
IDENTITY = "Жанар Ахметова, born 12.04.1987, IIN 870412400123, cell 14"
EXCERPT = "Нас держат по восемь человек в камере на двенадцать квадратных метров"


@pytest.fixture
def team_visit(visit: Visit, monitor: User) -> Visit:
    visit.ended_on = datetime.date(2025, 3, 3)
    visit.save(update_fields=["ended_on"])
    TeamMember.objects.create(visit=visit, user=monitor)
    return visit


def values(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "D-07",
        "category": Interview.Category.DETAINEE,
        "held_on": datetime.date(2025, 3, 2),
        "at_risk": True,
        "notes": NOTES,
        "excerpt": EXCERPT,
        "identity": IDENTITY,
    }
    data.update(overrides)
    return data


@pytest.fixture
def interview(team_visit: Visit, monitor: User) -> Interview:
    return interview_record(actor=monitor, visit=team_visit, **values())  # type: ignore[arg-type]


def urls(interview: Interview) -> list[str]:
    return [
        reverse("visits:interview_detail", args=[interview.pk]),
        reverse("visits:interview_edit", args=[interview.pk]),
    ]


def reads(interview: Interview) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="visits.interview", object_id=str(interview.pk)
    ).count()


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("object_repr", "changes")), ensure_ascii=False)


# --- recording ----------------------------------------------------------------------------------


def test_it_records_an_interview_and_audits_it_without_the_plaintext(interview, monitor):
    assert interview.created_by == monitor
    stored = Interview.objects.get(pk=interview.pk)
    assert (stored.notes, stored.identity, stored.at_risk) == (NOTES, IDENTITY, True)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="visits.interview")
    assert event.changes["code"] == "D-07"
    assert event.changes["encrypted_fields_set"] == ["notes", "excerpt", "identity"]
    assert "notes" not in event.changes and "identity" not in event.changes
    text = audit_text()
    assert "квадратных" not in text
    assert "870412400123" not in text and "Ахметова" not in text and "cell 14" not in text


def test_it_stores_only_ciphertext_in_the_columns(interview):
    """Runs on SQLite and PostgreSQL alike: the raw column, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, notes, excerpt, identity FROM visits_interview WHERE id = %s", [interview.pk]
        )
        code, notes, excerpt, identity = cursor.fetchone()
    assert code == "D-07"
    assert "квадратных" not in excerpt
    for value in (notes, excerpt, identity):
        assert value.startswith("enc1:")
        assert "870412400123" not in value and "Ахметова" not in value and "cell 14" not in value


def test_it_audits_which_confidential_fields_changed_but_not_their_values(interview, monitor):
    interview_update(
        actor=monitor,
        interview=interview,
        **values(notes=NOTES + " Follow-up: moved to cell 9.", at_risk=False),  # type: ignore[arg-type]
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="visits.interview")
    assert event.changes == {
        "at_risk": {"before": True, "after": False},
        "encrypted_fields_changed": ["notes"],
    }
    assert "cell 9" not in audit_text()
    assert Interview.objects.get(pk=interview.pk).notes.endswith("moved to cell 9.")


def test_it_writes_nothing_when_nothing_changed(interview, monitor):
    interview_update(actor=monitor, interview=interview, **values())  # type: ignore[arg-type]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_it_lets_the_coordinator_record_and_change(team_visit, coordinator):
    created = interview_record(
        actor=coordinator,
        visit=team_visit,
        **values(
            code="S-1", category=Interview.Category.STAFF, identity="", language=Language.objects.first()
        ),  # type: ignore[arg-type]
    )
    assert created.identity == ""
    interview_update(actor=coordinator, interview=created, **values(code="S-2", identity=""))  # type: ignore[arg-type]
    assert Interview.objects.get(pk=created.pk).code == "S-2"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "Zhanar Akhmetova"}, "code"),
        ({"code": "Akhmetova"}, "code"),
        ({"code": "D_07"}, "code"),
        ({"code": "D-" + "1" * 20}, "code"),
        ({"code": ""}, "code"),
        ({"held_on": datetime.date(2025, 2, 28)}, "held_on"),
        ({"held_on": datetime.date(2025, 3, 4)}, "held_on"),
        ({"category": "guard"}, "category"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(team_visit, monitor, overrides, field):
    with pytest.raises(ValidationError) as caught:
        interview_record(actor=monitor, visit=team_visit, **values(**overrides))  # type: ignore[arg-type]
    assert field in caught.value.message_dict
    assert not Interview.objects.exists()
    assert not AuditEvent.objects.filter(object_type="visits.interview").exists()


def test_it_refuses_a_code_already_used_on_the_visit(interview, team_visit, monitor):
    with pytest.raises(ValidationError) as caught:
        interview_record(actor=monitor, visit=team_visit, **values(notes="other"))  # type: ignore[arg-type]
    assert "already has an interview" in caught.value.message_dict["code"][0]
    assert Interview.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="visits.interview").count() == 1


def test_it_lists_every_problem_at_once(team_visit, monitor):
    with pytest.raises(ValidationError) as caught:
        interview_record(
            actor=monitor,
            visit=team_visit,
            **values(code="Zhanar Akhmetova", held_on=datetime.date(2030, 1, 1), category="x"),  # type: ignore[arg-type]
        )
    assert set(caught.value.message_dict) == {"code", "held_on", "category"}
    assert len(caught.value.message_dict["code"]) == 2  # a space and no digit


def test_it_accepts_dates_up_to_today_while_the_visit_goes_on(visit, coordinator):
    with pytest.raises(ValidationError):
        interview_record(
            actor=coordinator,
            visit=visit,
            **values(held_on=timezone.localdate() + datetime.timedelta(days=1)),  # type: ignore[arg-type]
        )
    interview_record(actor=coordinator, visit=visit, **values(held_on=timezone.localdate()))  # type: ignore[arg-type]


def test_it_lets_only_the_team_and_coordinators_record(team_visit, council):
    outsider = make_user("dan", Role.MONITOR)
    for actor in (council, outsider):
        with pytest.raises(PermissionDenied):
            interview_record(actor=actor, visit=team_visit, **values())  # type: ignore[arg-type]
    assert not Interview.objects.exists()


# --- pages --------------------------------------------------------------------------------------


def test_it_shows_the_team_and_coordinators_the_interview_and_logs_every_read(
    interview, as_monitor, as_coordinator
):
    for client in (as_monitor, as_coordinator):
        for url in urls(interview):
            before = reads(interview)
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            assert "870412400123" in body and "D-07" in body
            assert reads(interview) == before + 1
    assert reads(interview) == 4
    actors = set(
        AuditEvent.objects.filter(action=AuditEvent.Action.READ).values_list("actor__username", flat=True)
    )
    assert actors == {"alice", "bob"}


def test_it_lists_interviews_on_the_visit_page_without_notes_or_identity(interview, as_monitor):
    response = as_monitor.get(reverse("visits:detail", args=[interview.visit_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="interviews"' in body and "D-07" in body
    assert "Person deprived of liberty" in body and 'data-testid="at-risk"' in body
    assert "870412400123" not in body and "Ахметова" not in body and "cell 14" not in body
    assert reads(interview) == 0


@pytest.mark.parametrize("persona", ["council", "liaison", "other_liaison", "trainer", "outsider"])
def test_it_hides_interviews_from_everyone_else(request, interview, persona):
    user = make_user("dan", Role.MONITOR) if persona == "outsider" else request.getfixturevalue(persona)
    client = client_for(user)
    for url in [*urls(interview), reverse("visits:interview_create", args=[interview.visit_id])]:
        status = client.get(url).status_code
        expected = 403 if persona == "council" and url.endswith("/new/") else 404
        assert status == expected, url
    response = client.get(reverse("visits:detail", args=[interview.visit_id]))
    if persona == "council":  # the council sees the visit, but nothing of its interviews
        assert response.status_code == 200
        body = response.content.decode()
        assert "D-07" not in body and "Person deprived of liberty" not in body
        assert 'data-testid="interviews"' not in body
    else:
        assert response.status_code == 404
    assert reads(interview) == 0


def test_it_sends_anonymous_users_to_sign_in(interview, anonymous):
    for url in [*urls(interview), reverse("visits:interview_create", args=[interview.visit_id])]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert reads(interview) == 0


def form_data(**overrides: object) -> dict[str, object]:
    data = values(**overrides)
    data["held_on"] = str(data["held_on"])
    data.setdefault("consent_method", "oral")
    data.setdefault("consent_capacity", "full")
    return {key: value for key, value in data.items() if value is not False}


def test_it_records_an_interview_through_the_form(team_visit, as_monitor):
    response = as_monitor.post(
        reverse("visits:interview_create", args=[team_visit.pk]),
        form_data(consents=["quote_authority", "follow_up"]),
    )
    interview = Interview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:interview_detail", args=[interview.pk])
    assert (interview.notes, interview.at_risk) == (NOTES, True)
    assert uses_in_force(interview) == {"quote_authority", "follow_up"}


def test_it_shows_the_form_again_with_the_problems(interview, team_visit, as_monitor):
    response = as_monitor.post(
        reverse("visits:interview_create", args=[team_visit.pk]),
        form_data(held_on=datetime.date(2025, 1, 1)),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "already has an interview" in body and "during the visit" in body
    assert Interview.objects.count() == 1


def test_it_changes_an_interview_through_the_form(interview, as_monitor):
    response = as_monitor.post(
        reverse("visits:interview_edit", args=[interview.pk]), form_data(identity="", at_risk=False)
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert (interview.identity, interview.at_risk, interview.notes) == ("", False, NOTES)


def test_it_refuses_the_edit_page_to_a_team_member_who_cannot_record(interview, council):
    TeamMember.objects.create(visit=interview.visit, user=council)
    client = client_for(council)
    assert client.get(reverse("visits:interview_detail", args=[interview.pk])).status_code == 200
    assert client.get(reverse("visits:interview_edit", args=[interview.pk])).status_code == 403


# --- the database file ----------------------------------------------------------------------------

SCRIPT = """
import datetime, json, sys
from django.core.management import call_command
from dozor.packs import pack_load
call_command("migrate", verbosity=0)
pack_load(code="kz")
from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.models import TeamMember, Visit
from dozor.visits.interviews.services import interview_record, interview_update
given = json.loads(sys.stdin.read())
user = User.objects.create_user(username="bob", role=Role.MONITOR)
visit = Visit.objects.create(
    facility=FacilityFactory(), visit_type=VisitType.objects.first(),
    started_on=datetime.date(2025, 3, 1), ended_on=datetime.date(2025, 3, 3),
)
TeamMember.objects.create(visit=visit, user=user)
common = dict(category="detainee", held_on=datetime.date(2025, 3, 2), at_risk=True)
interview = interview_record(actor=user, visit=visit, code=given["code"], notes=given["notes"],
                             identity=given["identity"], **common)
interview_update(actor=user, interview=interview, code=given["code"], notes=given["changed"],
                 identity=given["identity"], **common)
print("recorded", interview.pk)
"""


@pytest.mark.slow
def test_it_keeps_no_plaintext_in_the_database_file(tmp_path: Path) -> None:
    """A real SQLite file written by another process (the test database lives in memory)."""
    database = tmp_path / "dozor.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DOZOR_FIELD_KEYS": "file:" + base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_SETTINGS_MODULE": "dozor.settings",
    }
    given = {
        "code": "ZQ-4711",
        "notes": NOTES,
        "identity": IDENTITY,
        "changed": "Second talk: Жанар Ахметова fears the deputy warden Kuanyshev",
    }
    result = subprocess.run(
        [sys.executable, "-m", "dozor.cli", "shell", "-c", SCRIPT],
        input=json.dumps(given),
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "recorded" in result.stdout
    files = [path for path in tmp_path.iterdir() if path.name.startswith("dozor.sqlite3")]
    raw = b"".join(path.read_bytes() for path in files)
    assert b"ZQ-4711" in raw  # the pseudonym is stored in clear: the file is the right one
    for secret in (NOTES, IDENTITY, given["changed"], "Жанар Ахметова", "Ахметова"):
        assert secret.encode("utf-8") not in raw, secret
    for fragment in (b"870412400123", b"cell 14", b"Serikov", b"Kuanyshev", b"born 12.04"):
        assert fragment not in raw, fragment
