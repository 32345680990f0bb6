"""Findings, the urgent-action procedure and referrals (dozor.visits.findings.services, views_findings)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.services import finding_create, finding_update, referral_record
from dozor.visits.models import Answer, Evidence, Finding, Referral, Submission, TeamMember, Visit

pytestmark = pytest.mark.django_db


def theme(code: str = "treatment") -> Theme:
    return Theme.objects.get(code=code)


def provisions(count: int = 2) -> list[Provision]:
    return list(Provision.objects.filter(theme__code="treatment").order_by("pk")[:count])


def answer_of(visit: Visit, name: str = "notes", value: str = "Bruises seen", instance: str = "") -> Answer:
    assert visit.template_version is not None
    submission = Submission.objects.create(
        visit=visit,
        version=visit.template_version,
        instance_id=instance or f"uuid:{visit.pk}-{Submission.objects.count()}",
        source=Submission.Source.WEB,
    )
    question = visit.template_version.sections.get(code="general").questions.get(name=name)
    return Answer.objects.create(submission=submission, question=question, value=value)


def evidence_of(visit: Visit, name: str = "cell.jpg") -> Evidence:
    return Evidence.objects.create(
        visit=visit,
        kind=Evidence.Kind.PHOTO,
        file=f"evidence/2025/03/{name}",
        original_name=name,
        content_type="image/jpeg",
        size=100,
        sha256="0" * 64,
        description="Cell window",
    )


def other_visit(visit: Visit) -> Visit:
    return Visit.objects.create(
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 4, 1),
        template_version=visit.template_version,
    )


def values(**overrides: Any) -> dict[str, Any]:
    return {
        "theme": theme(),
        "severity": Finding.Severity.SERIOUS,
        "title": "No register of injuries on admission",
        "location": "Admission unit",
        "description": "Injuries seen on admission are not written down.",
        "sources": [Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        "provisions": [],
        "answers": [],
        "evidence": [],
        "possible_ill_treatment": False,
        **overrides,
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "theme": theme().pk,
        "severity": "serious",
        "title": "No register of injuries on admission",
        "location": "Admission unit",
        "description": "Injuries seen on admission are not written down.",
        "sources": ["documents", "detainees"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def coordinator_mail(user: User, email: str, language: str = "") -> User:
    user.email = email
    user.preferred_language = language
    user.save(update_fields=["email", "preferred_language"])
    return user


# --- services -----------------------------------------------------------------------------------


def test_it_records_a_finding_with_its_links(coordinator, visit):
    answer = answer_of(visit)
    photo = evidence_of(visit)
    cited = provisions()
    finding = finding_create(
        actor=coordinator,
        visit=visit,
        **values(provisions=[p.pk for p in cited], answers=[answer], evidence=[photo.pk]),
    )
    assert finding.visit == visit and finding.created_by == coordinator
    assert finding.sources == ["detainees", "documents"]  # in the order of Finding.Source
    assert set(finding.provisions.all()) == set(cited)
    assert list(finding.answers.all()) == [answer]
    assert list(finding.evidence.all()) == [photo]
    assert finding.urgent_notified_at is None
    event = AuditEvent.objects.get(object_type="visits.finding", action=AuditEvent.Action.CREATE)
    assert event.changes["answers"] == [answer.pk] and event.changes["severity"] == "serious"


def test_it_lets_a_team_monitor_record_and_change_a_finding(monitor, visit):
    TeamMember.objects.create(visit=visit, user=monitor)
    finding = finding_create(actor=monitor, visit=visit, **values())
    answer = answer_of(visit)
    saved = finding_update(
        actor=monitor,
        finding=finding,
        **values(title="Changed", severity="moderate", sources=["observation"], answers=[answer]),
    )
    saved.refresh_from_db()
    assert saved.title == "Changed" and saved.severity == "moderate" and saved.sources == ["observation"]
    assert list(saved.answers.all()) == [answer]
    event = AuditEvent.objects.get(object_type="visits.finding", action=AuditEvent.Action.UPDATE)
    assert event.changes["title"] == {"before": "No register of injuries on admission", "after": "Changed"}
    assert event.changes["answers"] == {"before": [], "after": [answer.pk]}
    assert "updated_at" not in event.changes


def test_it_refuses_findings_from_users_who_cannot_record(visit, monitor, council):
    for user in (monitor, council):
        with pytest.raises(PermissionDenied):
            finding_create(actor=user, visit=visit, **values())
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"sources": []}, "sources", "at least one source"),
        ({"severity": "critical", "sources": ["detainees"]}, "sources", "at least two different sources"),
        ({"severity": "serious", "sources": ["observation"]}, "sources", "at least two different sources"),
        ({"severity": "serious", "sources": ["staff", "staff"]}, "sources", "at least two different"),
        ({"sources": ["rumour", "staff"]}, "sources", "Unknown source"),
        ({"severity": "terrible"}, "severity", "Choose the severity"),
        ({"title": "  "}, "title", "title"),
        ({"description": ""}, "description", "Describe"),
        ({"provisions": [999_999]}, "provisions", "do not exist"),
        ({"severity": "positive", "possible_ill_treatment": True}, "possible_ill_treatment", "positive"),
    ],
)
def test_it_refuses_bad_findings_and_writes_nothing(coordinator, visit, overrides, field, fragment):
    with pytest.raises(ValidationError) as caught:
        finding_create(actor=coordinator, visit=visit, **values(**overrides))
    assert fragment in " ".join(caught.value.message_dict[field])
    assert not Finding.objects.exists()
    assert not AuditEvent.objects.filter(object_type="visits.finding").exists()


def test_it_accepts_moderate_and_positive_findings_on_one_source(coordinator, visit):
    for severity in ("moderate", "positive"):
        finding = finding_create(
            actor=coordinator, visit=visit, **values(severity=severity, sources=["staff"])
        )
        assert finding.sources == ["staff"]


def test_it_refuses_answers_and_evidence_of_another_visit(coordinator, visit):
    elsewhere = other_visit(visit)
    foreign_answer = answer_of(elsewhere)
    foreign_photo = evidence_of(elsewhere)
    with pytest.raises(ValidationError) as caught:
        finding_create(
            actor=coordinator,
            visit=visit,
            **values(answers=[foreign_answer], evidence=[foreign_photo], sources=[]),
        )
    problems = caught.value.message_dict
    assert "this visit's checklists" in problems["answers"][0]
    assert "collected on this visit" in problems["evidence"][0]
    assert "at least one source" in problems["sources"][0]  # every problem at once
    assert not Finding.objects.exists()


def test_it_refuses_to_move_links_of_another_visit_into_a_finding(coordinator, visit):
    finding = finding_create(actor=coordinator, visit=visit, **values())
    foreign = answer_of(other_visit(visit))
    with pytest.raises(ValidationError, match="this visit's checklists"):
        finding_update(actor=coordinator, finding=finding, **values(title="Changed", answers=[foreign]))
    finding.refresh_from_db()
    assert finding.title == "No register of injuries on admission"
    assert not finding.answers.exists()


# --- the urgent-action procedure ----------------------------------------------------------------


def test_it_emails_every_active_coordinator_once_in_their_language(
    coordinator, monitor, visit, django_capture_on_commit_callbacks
):
    coordinator_mail(coordinator, "alice@npm.kz", "en")
    russian = coordinator_mail(make_user("ruslan", Role.COORDINATOR), "ruslan@npm.kz", "ru")
    gone = coordinator_mail(make_user("gone", Role.COORDINATOR), "gone@npm.kz")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    make_user("nomail", Role.COORDINATOR)
    coordinator_mail(monitor, "bob@npm.kz")
    TeamMember.objects.create(visit=visit, user=monitor)
    with django_capture_on_commit_callbacks(execute=True):
        finding = finding_create(actor=monitor, visit=visit, **values(possible_ill_treatment=True))
    finding.refresh_from_db()
    assert finding.urgent_notified_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@npm.kz", "ruslan@npm.kz"]
    by_address = {m.to[0]: m for m in mail.outbox}
    english, in_russian = by_address["alice@npm.kz"], by_address["ruslan@npm.kz"]
    facility = visit.facility
    assert facility.name_en in english.subject and facility.name_en in english.body
    assert facility.name_ru in in_russian.subject and facility.name_ru in in_russian.body
    assert facility.name_en not in in_russian.body
    for message in mail.outbox:
        assert "2025-03-01" in message.body and finding.title in message.body
        assert finding.description not in message.body  # no interview details
    queued = AuditEvent.objects.get(object_type="visits.finding", changes__has_key="urgent_alert_queued")
    assert sorted(queued.changes["urgent_alert_queued"]) == sorted([coordinator.pk, russian.pk])
    accepted = AuditEvent.objects.filter(
        object_type="visits.finding", changes__has_key="urgent_alert_accepted"
    )
    notified = sorted(event.changes["urgent_alert_accepted"] for event in accepted)
    assert notified == sorted([coordinator.pk, russian.pk])

    with django_capture_on_commit_callbacks(execute=True):
        finding_update(actor=monitor, finding=finding, **values(title="Edited", possible_ill_treatment=True))
        finding_update(actor=monitor, finding=finding, **values(possible_ill_treatment=False))
        finding_update(actor=monitor, finding=finding, **values(possible_ill_treatment=True))
    assert len(mail.outbox) == 2


def test_it_starts_the_procedure_when_a_later_edit_marks_the_finding(
    coordinator, visit, django_capture_on_commit_callbacks
):
    coordinator_mail(coordinator, "alice@npm.kz")
    finding = finding_create(actor=coordinator, visit=visit, **values())
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        saved = finding_update(actor=coordinator, finding=finding, **values(possible_ill_treatment=True))
    saved.refresh_from_db()
    assert saved.urgent_notified_at is not None
    assert [m.to for m in mail.outbox] == [["alice@npm.kz"]]


def test_it_sends_no_mail_when_the_finding_is_refused(coordinator, visit, django_capture_on_commit_callbacks):
    coordinator_mail(coordinator, "alice@npm.kz")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True, sources=[]))
    assert mail.outbox == []


# --- referrals ----------------------------------------------------------------------------------


def urgent_finding(coordinator: User, visit: Visit) -> Finding:
    return finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))


def test_it_refuses_a_referral_without_consent_and_writes_nothing(coordinator, visit):
    finding = urgent_finding(coordinator, visit)
    with pytest.raises(ValidationError) as caught:
        referral_record(
            actor=coordinator,
            finding=finding,
            referred_on=datetime.date(2025, 3, 2),
            addressee="Karaganda regional prosecutor",
            consent_given=False,
        )
    assert caught.value.message_dict["consent_given"] == ["A referral needs the person's informed consent."]
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(object_type="visits.referral").exists()


def test_it_records_a_referral_with_consent(coordinator, visit):
    finding = urgent_finding(coordinator, visit)
    referral = referral_record(
        actor=coordinator,
        finding=finding,
        referred_on=datetime.date(2025, 3, 2),
        addressee="Karaganda regional prosecutor",
        reference="NPM-17/25",
        consent_given=True,
        note="Follow up in a month.",
    )
    assert referral.finding == finding and referral.consent_given and referral.created_by == coordinator
    assert AuditEvent.objects.filter(object_type="visits.referral", object_id=str(referral.pk)).exists()


def test_it_refers_only_findings_of_possible_ill_treatment_and_only_by_coordinators(
    coordinator, monitor, visit
):
    TeamMember.objects.create(visit=visit, user=monitor)
    plain = finding_create(actor=coordinator, visit=visit, **values())
    with pytest.raises(ValidationError, match="marked as possible torture"):
        referral_record(
            actor=coordinator,
            finding=plain,
            referred_on=datetime.date(2025, 3, 2),
            addressee="Prosecutor",
            consent_given=True,
        )
    with pytest.raises(PermissionDenied):
        referral_record(
            actor=monitor,
            finding=urgent_finding(coordinator, visit),
            referred_on=datetime.date(2025, 3, 2),
            addressee="Prosecutor",
            consent_given=True,
        )
    assert not Referral.objects.exists()


# --- pages --------------------------------------------------------------------------------------


def test_it_creates_a_finding_through_the_form(as_coordinator, visit):
    answer = answer_of(visit, name="notes", value="Bruises seen on the arm")
    photo = evidence_of(visit)
    page = as_coordinator.get(reverse("visits:finding_create", args=[visit.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "notes: Bruises seen on the arm" in body and "cell.jpg" in body
    cited = provisions(1)[0]
    response = as_coordinator.post(
        reverse("visits:finding_create", args=[visit.pk]),
        form_data(provisions=[cited.pk], answers=[answer.pk], evidence=[photo.pk]),
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:finding_detail", args=[finding.pk])
    assert list(finding.provisions.all()) == [cited] and list(finding.evidence.all()) == [photo]
    detail = as_coordinator.get(response["Location"]).content.decode()
    assert "No register of injuries on admission" in detail and "cell.jpg" in detail
    assert "Documents and registers" in detail and "Bruises seen on the arm" in detail


def test_it_shows_the_services_problems_on_the_form(as_coordinator, visit):
    response = as_coordinator.post(
        reverse("visits:finding_create", args=[visit.pk]), form_data(severity="critical", sources=["staff"])
    )
    assert response.status_code == 400
    assert "at least two different sources" in response.content.decode()
    assert not Finding.objects.exists()


def test_it_offers_only_this_visits_answers_and_evidence(as_coordinator, visit):
    elsewhere = other_visit(visit)
    foreign_answer = answer_of(elsewhere, value="Foreign answer")
    foreign_photo = evidence_of(elsewhere, "foreign.jpg")
    body = as_coordinator.get(reverse("visits:finding_create", args=[visit.pk])).content.decode()
    assert "Foreign answer" not in body and "foreign.jpg" not in body
    response = as_coordinator.post(
        reverse("visits:finding_create", args=[visit.pk]),
        form_data(answers=[foreign_answer.pk], evidence=[foreign_photo.pk]),
    )
    assert response.status_code == 400
    assert not Finding.objects.exists()


def test_it_edits_a_finding_and_notifies_once(
    as_coordinator, coordinator, visit, django_capture_on_commit_callbacks
):
    coordinator_mail(coordinator, "alice@npm.kz")
    finding = finding_create(actor=coordinator, visit=visit, **values())
    url = reverse("visits:finding_edit", args=[finding.pk])
    page = as_coordinator.get(url)
    assert page.status_code == 200 and "No register of injuries on admission" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(url, form_data(title="Beaten on arrival", possible_ill_treatment="on"))
        assert response.status_code == 302
        again = as_coordinator.post(url, form_data(title="Beaten on arrival.", possible_ill_treatment="on"))
        assert again.status_code == 302
    finding.refresh_from_db()
    assert finding.title == "Beaten on arrival." and finding.urgent_notified_at is not None
    assert len(mail.outbox) == 1 and "Beaten on arrival" in mail.outbox[0].body
    detail = as_coordinator.get(reverse("visits:finding_detail", args=[finding.pk])).content.decode()
    assert "The coordinators were notified on" in detail and 'data-testid="referral-form"' in detail


def test_it_records_referrals_through_the_finding_page(as_coordinator, coordinator, visit):
    finding = urgent_finding(coordinator, visit)
    url = reverse("visits:referral_create", args=[finding.pk])
    data = {"referred_on": "2025-03-02", "addressee": "Regional prosecutor", "reference": "NPM-1"}
    refused = as_coordinator.post(url, data)
    assert refused.status_code == 400
    assert "A referral needs the person&#x27;s informed consent." in refused.content.decode()
    assert not Referral.objects.exists()
    response = as_coordinator.post(url, {**data, "consent_given": "on"})
    assert response.status_code == 302
    assert Referral.objects.get().addressee == "Regional prosecutor"
    detail = as_coordinator.get(reverse("visits:finding_detail", args=[finding.pk])).content.decode()
    assert "Regional prosecutor" in detail and "NPM-1" in detail


def test_it_lists_findings_on_the_visit_page_by_theme(as_coordinator, coordinator, visit):
    finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    finding_create(
        actor=coordinator,
        visit=visit,
        **values(theme=theme("health_care"), title="Doctor sees everyone", severity="positive"),
    )
    body = as_coordinator.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert "No register of injuries on admission" in body and "Doctor sees everyone" in body
    assert theme().name in body and theme("health_care").name in body
    assert 'data-testid="urgent"' in body and "Positive practice" in body
    assert reverse("visits:finding_create", args=[visit.pk]) in body


def test_it_bounds_the_queries_of_the_visit_page(
    as_coordinator, coordinator, visit, django_assert_max_num_queries
):
    url = reverse("visits:detail", args=[visit.pk])

    def add(number: int) -> None:
        finding_create(
            actor=coordinator,
            visit=visit,
            **values(
                title=f"Finding {number}",
                provisions=provisions(2),
                theme=theme("treatment" if number % 2 else "safeguards"),
            ),
        )

    add(1)
    as_coordinator.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        as_coordinator.get(url)
    for number in range(2, 8):
        add(number)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = as_coordinator.get(url)
    assert response.content.decode().count('data-testid="finding"') == 7


# --- access -------------------------------------------------------------------------------------


def finding_urls(visit: Visit, finding: Finding) -> list[str]:
    return [
        reverse("visits:finding_create", args=[visit.pk]),
        reverse("visits:finding_detail", args=[finding.pk]),
        reverse("visits:finding_edit", args=[finding.pk]),
        reverse("visits:referral_create", args=[finding.pk]),
    ]


def test_it_hides_findings_from_outsiders(
    coordinator, visit, as_monitor, as_liaison, as_other_liaison, as_trainer
):
    finding = urgent_finding(coordinator, visit)
    for client in (as_monitor, as_liaison, as_other_liaison, as_trainer):
        for url in finding_urls(visit, finding):
            assert client.get(url).status_code == 404, url
            assert client.post(url, form_data()).status_code == 404, url
    assert Finding.objects.count() == 1


def test_it_lets_council_members_read_but_not_write(coordinator, visit, as_council):
    finding = urgent_finding(coordinator, visit)
    evidence = evidence_of(visit, "secret-photo.jpg")
    finding.evidence.add(evidence)
    detail = as_council.get(reverse("visits:finding_detail", args=[finding.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert finding.title in body
    assert "secret-photo.jpg" not in body  # evidence is confidential
    assert reverse("visits:finding_edit", args=[finding.pk]) not in body
    assert 'data-testid="referral-form"' not in body
    create, _detail, edit, referral = finding_urls(visit, finding)
    for url in (create, edit, referral):
        assert as_council.get(url).status_code == 403, url
        assert as_council.post(url, form_data()).status_code == 403, url
    visit_page = as_council.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert finding.title in visit_page
    assert reverse("visits:finding_create", args=[visit.pk]) not in visit_page


def test_it_lets_team_monitors_record_but_not_refer(coordinator, monitor, visit, as_monitor):
    TeamMember.objects.create(visit=visit, user=monitor)
    response = as_monitor.post(reverse("visits:finding_create", args=[visit.pk]), form_data())
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert as_monitor.get(reverse("visits:finding_edit", args=[finding.pk])).status_code == 200
    assert as_monitor.get(reverse("visits:referral_create", args=[finding.pk])).status_code == 403


def test_it_sends_anonymous_users_to_sign_in(coordinator, visit, anonymous):
    finding = urgent_finding(coordinator, visit)
    for url in finding_urls(visit, finding):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]
