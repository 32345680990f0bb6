"""The redaction workflow: a public version of a visit report made by removing text, approved by a
second person, published and withdrawn (dozor.publishing.services, selectors, views)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.people.tests.factories import PersonFactory
from dozor.publishing import services
from dozor.publishing.models import PublicReport, Redaction
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Finding, Interview, Report, ReportSection, TeamMember, Visit
from dozor.visits.reports import services as reports
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

IIN = "900101300126"  # a valid IIN (check digit), born 1 January 1990
PHONE = "+7 701 234 56 78"
PERSON = "Dana Zhakupova"  # in the registry
INTERVIEWEE = "Aidos Serikbayev"  # an interview's identity
SUMMARY = (
    f"The group spoke with {INTERVIEWEE} (IIN {IIN}, phone {PHONE}), who described the beatings.\n"
    f"{PERSON} of the regional office confirmed the account. The admission unit keeps no register."
)
SECRETS = ("Zhakupova", "Serikbayev", IIN, PHONE)


@pytest.fixture
def visit(coordinator: User) -> Visit:
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )


@pytest.fixture
def registry_person() -> Any:
    return PersonFactory(last_name="Zhakupova", first_name="Dana")


@pytest.fixture
def interview(coordinator: User, visit: Visit) -> Interview:
    return interview_record(
        actor=coordinator,
        visit=visit,
        code="D-01",
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        consents=["quote_authority", "quote_public", "follow_up"],
        identity=f"{INTERVIEWEE}, born 1990, cell 14",
    )


def _write(actor: User, report: Report, body: str, key: str = "summary") -> None:
    section = ReportSection.objects.get(report=report, key=key)
    reports.section_save(actor=actor, section=section, body=body, base_revision=section.revision)


def _finding(actor: User, visit: Visit) -> Finding:
    return finding_create(
        actor=actor,
        visit=visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.SERIOUS,
        title="No register of injuries",
        location="Admission unit",
        description="Injuries seen on admission are not written down.",
        sources=[Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        provisions=[p.pk for p in Provision.objects.order_by("pk")[:1]],
    )


@pytest.fixture
def draft_report(coordinator: User, visit: Visit, registry_person: Any, interview: Interview) -> Report:
    report = reports.report_start(actor=coordinator, visit=visit)
    _finding(coordinator, visit)
    _write(coordinator, report, SUMMARY)
    return report


@pytest.fixture
def sent_report(coordinator: User, council: User, draft_report: Report) -> Report:
    writer = make_user("writer", Role.MONITOR)  # four eyes: the report's approver did not submit it
    TeamMember.objects.create(visit=draft_report.visit, user=writer)
    reports.submit_for_review(actor=writer, report=draft_report)
    reports.approve(actor=coordinator, report=draft_report)
    # sent through the release gate: the version for the authority, approved by a second person
    for_authority = services.public_version_start(
        actor=coordinator, report=draft_report, lang="ru", audience=PublicReport.Audience.AUTHORITY
    )
    approved(coordinator, council, for_authority)
    return reports.mark_sent(
        actor=coordinator,
        report=draft_report,
        sent_on=datetime.date(2025, 4, 1),
        sent_to="Committee of the Penal Correction System",
    )


@pytest.fixture
def public(coordinator: User, sent_report: Report) -> PublicReport:
    return services.public_version_start(actor=coordinator, report=sent_report, lang="en")


def accept_all(actor: User, public: PublicReport) -> None:
    for redaction in Redaction.objects.filter(public_report=public, state=Redaction.State.PROPOSED):
        services.redaction_decide(actor=actor, redaction=redaction, accept=True)


def approved(coordinator: User, council: User, public: PublicReport) -> PublicReport:
    accept_all(coordinator, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    return services.public_version_approve(actor=council, public_report=public)


def footprint() -> tuple[int, int, list[str], int]:
    """What a refused step must leave untouched."""
    return (
        PublicReport.objects.count(),
        Redaction.objects.count(),
        sorted(f"{r.pk}:{r.state}" for r in Redaction.objects.all()),
        AuditEvent.objects.count(),
    )


# --- the whole way ---------------------------------------------------------------------------------


def test_it_redacts_approves_and_publishes_a_report(coordinator, council, sent_report):
    public = services.public_version_start(actor=coordinator, report=sent_report, lang="en")
    assert public.status == PublicReport.Status.DRAFT and public.editor == coordinator
    assert SUMMARY.split("\n")[0][:20] in public.source["summary"]
    proposed = {(r.original, r.kind) for r in public.redactions.all()}
    assert (IIN, "iin") in proposed and (PHONE, "phone") in proposed
    names = {original for original, kind in proposed if kind == "person_name"}
    assert any("Zhakupova" in n for n in names) and any("Serikbayev" in n for n in names)
    assert all(r.state == Redaction.State.PROPOSED for r in public.redactions.all())
    # the interviewee's identity was decrypted to look for it: that read is in the audit log
    assert AuditEvent.objects.filter(
        object_type="visits.interview", action=AuditEvent.Action.READ, changes__purpose="redaction"
    ).exists()

    accept_all(coordinator, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    with pytest.raises(ValidationError) as refused:
        services.public_version_approve(actor=coordinator, public_report=public)
    assert "second person" in refused.value.messages[0]
    public.refresh_from_db()
    assert public.status == PublicReport.Status.SUBMITTED and public.approver is None

    services.public_version_approve(actor=council, public_report=public)
    services.public_version_publish(actor=coordinator, public_report=public)
    public.refresh_from_db()
    assert public.status == PublicReport.Status.PUBLISHED and public.published_at is not None
    assert public.approver == council
    sent_report.refresh_from_db()
    assert sent_report.status == Report.Status.PUBLISHED
    event = AuditEvent.objects.filter(object_type="visits.report").order_by("-id").first()
    assert event is not None and event.changes["status"] == {"before": "sent", "after": "published"}

    text = "\n".join(services.public_text(public).values())
    for secret in SECRETS:
        assert secret not in text
    assert "[…]" in text and "described the beatings" in text


def test_it_withdraws_a_published_version(coordinator, council, public, sent_report):
    approved(coordinator, council, public)
    services.public_version_publish(actor=coordinator, public_report=public)
    published_at = PublicReport.objects.get(pk=public.pk).published_at
    services.public_version_withdraw(actor=coordinator, public_report=public, reason="A name was left in.")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.WITHDRAWN
    assert public.published_at == published_at and public.withdrawn_at is not None
    sent_report.refresh_from_db()
    assert sent_report.status == Report.Status.SENT  # it had been sent before publication
    assert not PublicReport.objects.filter(status=PublicReport.Status.PUBLISHED).exists()
    # reopened for redaction, it goes through approval again before it can be published
    services.public_version_return(actor=coordinator, public_report=public, reason="Fix the name.")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.DRAFT and public.approver is None
    with pytest.raises(ValidationError):
        services.public_version_publish(actor=coordinator, public_report=public)


def test_it_keeps_the_report_published_while_another_language_is(coordinator, council, public, sent_report):
    russian = services.public_version_start(actor=coordinator, report=sent_report, lang="ru")
    for version in (public, russian):
        approved(coordinator, council, version)
        services.public_version_publish(actor=coordinator, public_report=version)
    services.public_version_withdraw(actor=coordinator, public_report=public)
    sent_report.refresh_from_db()
    assert sent_report.status == Report.Status.PUBLISHED


def test_it_sends_a_version_back_with_a_reason(coordinator, council, public):
    accept_all(coordinator, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    with pytest.raises(ValidationError):
        services.public_version_return(actor=council, public_report=public, reason="  ")
    services.public_version_return(actor=council, public_report=public, reason="The cell number stays.")
    public.refresh_from_db()
    assert public.status == PublicReport.Status.DRAFT and public.submitted_at is None
    event = AuditEvent.objects.filter(object_type="publishing.publicreport").order_by("-id").first()
    assert event is not None and event.changes["reason"] == "The cell number stays."


# --- bad input changes nothing ---------------------------------------------------------------------


def test_it_refuses_to_start_from_a_draft_report(coordinator, draft_report):
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.public_version_start(actor=coordinator, report=draft_report, lang="en")
    assert "publishing without approval" in refused.value.messages[0]
    assert footprint() == before


def test_it_refuses_a_second_version_in_the_same_language_and_an_unknown_language(coordinator, public):
    before = footprint()
    for lang in ("en", "de"):
        with pytest.raises(ValidationError):
            services.public_version_start(actor=coordinator, report=public.report, lang=lang)
    assert footprint() == before


def test_it_refuses_an_overlapping_redaction(coordinator, public):
    iin = public.redactions.get(kind="iin")
    before = footprint()
    for start, end in (
        (iin.start - 2, iin.start + 3),
        (iin.start + 1, iin.end - 1),
        (iin.end - 1, iin.end + 4),
    ):
        with pytest.raises(ValidationError) as refused:
            services.redaction_add(
                actor=coordinator, public_report=public, section="summary", start=start, end=end
            )
        assert "overlaps" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.redaction_add_text(actor=coordinator, public_report=public, section="summary", text=IIN[3:9])
    assert footprint() == before
    # once rejected, the proposal no longer blocks the span; accepting it again then is refused
    services.redaction_decide(actor=coordinator, redaction=iin, accept=False)
    added = services.redaction_add(
        actor=coordinator, public_report=public, section="summary", start=iin.start, end=iin.start + 6
    )
    assert added.state == Redaction.State.ACCEPTED and added.original == IIN[:6]
    with pytest.raises(ValidationError):
        services.redaction_decide(actor=coordinator, redaction=iin, accept=True)


def test_it_refuses_spans_outside_the_text_or_empty(coordinator, public):
    length = len(public.source["summary"])
    before = footprint()
    for section, start, end in (
        ("summary", 5, 5),
        ("summary", 9, 3),
        ("summary", length - 2, length + 5),
        ("nowhere", 0, 3),
    ):
        with pytest.raises(ValidationError):
            services.redaction_add(
                actor=coordinator, public_report=public, section=section, start=start, end=end
            )
    with pytest.raises(ValidationError) as missing:
        services.redaction_add_text(actor=coordinator, public_report=public, section="summary", text="Nobody")
    assert "not found" in missing.value.messages[0]
    with pytest.raises(ValidationError) as occurrence:
        services.redaction_add_text(
            actor=coordinator, public_report=public, section="summary", text="the", occurrence=40
        )
    assert "occurs" in occurrence.value.messages[0]
    assert footprint() == before


def test_it_adds_a_redaction_by_text_and_occurrence(coordinator, public):
    source = public.source["summary"]
    added = services.redaction_add_text(
        actor=coordinator, public_report=public, section="summary", text="admission unit", occurrence=1
    )
    assert source[added.start : added.end] == "admission unit" and added.kind == Redaction.Kind.MANUAL
    assert "admission unit" not in services.public_text(public)["summary"]
    second = services.redaction_add_text(
        actor=coordinator, public_report=public, section="summary", text="the", occurrence=2
    )
    first = source.index("the")
    assert second.start == source.index("the", first + 3)


def test_it_refuses_to_submit_with_undecided_proposals(coordinator, public):
    undecided = public.redactions.count()
    assert undecided >= 4
    before = footprint()
    with pytest.raises(ValidationError) as refused:
        services.public_version_submit(actor=coordinator, public_report=public)
    assert str(undecided) in refused.value.messages[0]
    assert footprint() == before


def test_it_refuses_to_publish_without_approval(coordinator, public):
    accept_all(coordinator, public)
    for step in (None, "submit"):
        if step:
            services.public_version_submit(actor=coordinator, public_report=public)
        before = footprint()
        with pytest.raises(ValidationError) as refused:
            services.public_version_publish(actor=coordinator, public_report=public)
        assert "publishing without approval" in refused.value.messages[0]
        assert footprint() == before
    assert Report.objects.get(pk=public.report_id).status == Report.Status.SENT


def test_it_refuses_redaction_once_submitted(coordinator, public):
    accept_all(coordinator, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    before = footprint()
    with pytest.raises(ValidationError):
        services.redaction_add_text(
            actor=coordinator, public_report=public, section="summary", text="register"
        )
    assert footprint() == before


def test_it_refuses_approval_by_anyone_who_redacted(coordinator, council, public):
    """A council member who decided one redaction is no second pair of eyes."""
    other = User.objects.create_user(username="dina", role="coordinator", first_name="Dina")
    accept_all(other, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    with pytest.raises(ValidationError):
        services.public_version_approve(actor=other, public_report=public)
    services.public_version_approve(actor=council, public_report=public)


def test_it_lets_only_the_right_roles_act(coordinator, council, monitor, public, sent_report):
    with pytest.raises(PermissionDenied):
        services.public_version_start(actor=council, report=sent_report, lang="kk")
    with pytest.raises(PermissionDenied):
        services.public_version_start(actor=monitor, report=sent_report, lang="kk")
    redaction = public.redactions.first()
    assert redaction is not None
    for actor in (council, monitor):
        with pytest.raises(PermissionDenied):
            services.redaction_decide(actor=actor, redaction=redaction, accept=True)
    accept_all(coordinator, public)
    services.public_version_submit(actor=coordinator, public_report=public)
    with pytest.raises(PermissionDenied):
        services.public_version_approve(actor=monitor, public_report=public)
    services.public_version_approve(actor=council, public_report=public)
    with pytest.raises(PermissionDenied):
        services.public_version_publish(actor=council, public_report=public)


def test_it_proposes_the_team_members_names(coordinator, monitor, sent_report):
    monitor.last_name = "Omarov"
    monitor.save(update_fields=["last_name"])
    TeamMember.objects.create(visit=sent_report.visit, user=monitor)
    _write_sent(coordinator, sent_report, "Monitor Bob Omarov counted the detainees.", key="conclusions")
    public = services.public_version_start(actor=coordinator, report=sent_report, lang="en")
    assert public.redactions.filter(section="conclusions", kind="person_name").exists()


def _write_sent(coordinator: User, report: Report, body: str, key: str) -> None:
    """Sections of a sent report are not editable: write directly, as an earlier draft would have."""
    ReportSection.objects.filter(report=report, key=key).update(body=body)


def test_public_text_never_keeps_the_removed_text(coordinator, public):
    accept_all(coordinator, public)
    texts = services.public_text(public)
    assert set(texts) == set(public.source)
    for secret in SECRETS:
        assert all(secret not in text for text in texts.values())


# --- pages -----------------------------------------------------------------------------------------


def urls(public: PublicReport) -> list[tuple[str, str]]:
    redaction = public.redactions.first()
    assert redaction is not None
    return [
        ("get", reverse("publishing:list")),
        ("get", reverse("publishing:list") + f"?report={public.report_id}"),
        ("get", reverse("publishing:start", args=[public.report_id])),
        ("post", reverse("publishing:start", args=[public.report_id])),
        ("get", reverse("publishing:editor", args=[public.pk])),
        ("get", reverse("publishing:approve", args=[public.pk])),
        ("get", reverse("publishing:diff", args=[public.pk])),
        ("post", reverse("publishing:redaction_add", args=[public.pk])),
        ("post", reverse("publishing:redaction_decide", args=[redaction.pk])),
        ("post", reverse("publishing:workflow", args=[public.pk])),
    ]


@pytest.mark.parametrize("persona", ["as_monitor", "as_liaison", "as_trainer", "anonymous"])
def test_outsiders_get_404_or_the_login_page_everywhere(request, persona, public):
    client: Client = request.getfixturevalue(persona)
    before = footprint()
    for method, url in urls(public):
        response = getattr(client, method)(url, {"lang": "kk", "decision": "accept", "action": "submit"})
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 404, url
        for secret in SECRETS:
            assert secret not in response.content.decode(), url
    assert footprint() == before


def test_outsiders_see_no_publishing_menu_or_link(as_monitor, as_coordinator, as_council, public):
    report_url = reverse("visits:report_detail", args=[public.report_id])
    assert 'href="/publishing/"' not in as_monitor.get(reverse("visits:list")).content.decode()
    assert 'href="/publishing/"' in as_council.get(reverse("visits:list")).content.decode()
    page = as_coordinator.get(report_url).content.decode()
    assert f"/publishing/?report={public.report_id}" in page


def test_a_council_member_reads_but_does_not_redact(as_council, public):
    assert as_council.get(reverse("publishing:editor", args=[public.pk])).status_code == 200
    assert as_council.get(reverse("publishing:start", args=[public.report_id])).status_code == 403
    redaction = public.redactions.first()
    assert redaction is not None
    response = as_council.post(
        reverse("publishing:redaction_decide", args=[redaction.pk]), {"decision": "accept"}
    )
    assert response.status_code == 403
    response = as_council.post(
        reverse("publishing:redaction_add", args=[public.pk]),
        {"section": "summary", "text": "register", "occurrence": 1, "kind": "manual"},
    )
    assert response.status_code == 403
    assert not public.redactions.exclude(state=Redaction.State.PROPOSED).exists()


def test_the_pages_walk_through_the_workflow(as_coordinator, as_council, sent_report):
    start = reverse("publishing:start", args=[sent_report.pk])
    assert as_coordinator.get(start).status_code == 200
    response = as_coordinator.post(start, {"lang": "en"})
    public = PublicReport.objects.get(report=sent_report, lang="en")
    assert response.status_code == 302 and response["Location"] == reverse(
        "publishing:editor", args=[public.pk]
    )
    editor = reverse("publishing:editor", args=[public.pk])
    page = as_coordinator.get(editor).content.decode()
    assert "<mark" in page and "Serikbayev" in page  # the internal page shows what is proposed
    for redaction in public.redactions.all():
        response = as_coordinator.post(
            reverse("publishing:redaction_decide", args=[redaction.pk]), {"decision": "accept"}
        )
        assert response.status_code == 302
    response = as_coordinator.post(
        reverse("publishing:redaction_add", args=[public.pk]),
        {
            "section": "summary",
            "text": "regional office",
            "occurrence": 1,
            "kind": "manual",
            "replacement": "",
        },
    )
    assert response.status_code == 302
    page = as_coordinator.get(editor).content.decode()
    assert "<del" in page and "[…]" in page
    # overlapping text: refused on the page with the reason, nothing added
    count = public.redactions.count()
    response = as_coordinator.post(
        reverse("publishing:redaction_add", args=[public.pk]),
        {"section": "summary", "text": "regional", "occurrence": 1, "kind": "manual"},
    )
    assert response.status_code == 400 and "overlaps" in response.content.decode()
    assert public.redactions.count() == count

    workflow = reverse("publishing:workflow", args=[public.pk])
    assert as_coordinator.post(workflow, {"action": "publish"}).status_code == 400
    assert as_coordinator.post(workflow, {"action": "submit"}).status_code == 302
    response = as_coordinator.post(workflow, {"action": "approve"})
    assert response.status_code == 400 and "second person" in response.content.decode()
    approve_page = as_council.get(reverse("publishing:approve", args=[public.pk])).content.decode()
    assert 'data-testid="step-approve"' in approve_page
    public_part = approve_page.split('data-testid="public-summary"', 1)[1]
    for secret in (*SECRETS, "regional office"):
        assert secret not in public_part
    assert as_council.post(workflow, {"action": "approve", "page": "approve"}).status_code == 302
    assert as_council.post(workflow, {"action": "publish"}).status_code == 403
    assert as_coordinator.post(workflow, {"action": "publish"}).status_code == 302
    public.refresh_from_db()
    assert public.status == PublicReport.Status.PUBLISHED

    diff = as_council.get(reverse("publishing:diff", args=[public.pk])).content.decode()
    assert "<del>" in diff and "<ins>" in diff and "Serikbayev" in diff
    listing = as_council.get(reverse("publishing:list") + f"?report={sent_report.pk}")
    assert listing.status_code == 200 and "Published" in listing.content.decode()
    response = as_coordinator.post(workflow, {"action": "withdraw", "reason": "Check again."})
    assert response.status_code == 302
    public.refresh_from_db()
    assert public.status == PublicReport.Status.WITHDRAWN


def test_the_list_page_makes_the_same_number_of_queries_for_more_versions(
    as_coordinator, coordinator, public, sent_report
):
    url = reverse("publishing:list")
    as_coordinator.get(url)
    with CaptureQueriesContext(connection) as one:
        assert as_coordinator.get(url).status_code == 200
    services.public_version_start(actor=coordinator, report=sent_report, lang="ru")
    services.public_version_start(actor=coordinator, report=sent_report, lang="kk")
    with CaptureQueriesContext(connection) as three:
        assert as_coordinator.get(url).status_code == 200
    assert len(three) == len(one)
