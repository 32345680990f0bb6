"""The visit report: sections with optimistic concurrency, the workflow, versions and their diff,
comments, and who may see and do what (dozor.visits.reports.services, views_reports, diff)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.models import (
    Finding,
    Report,
    ReportComment,
    ReportSection,
    ReportVersion,
    TeamMember,
    Visit,
)
from dozor.visits.reports import released
from dozor.visits.reports import services as reports
from dozor.visits.reports.diff import text_diff, version_diff
from dozor.visits.reports.services import ReportConflict

pytestmark = pytest.mark.django_db


def add_finding(actor: User, visit: Visit, number: int = 1, **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "theme": Theme.objects.get(code="treatment" if number % 2 else "safeguards"),
        "severity": Finding.Severity.SERIOUS,
        "title": f"No register of injuries {number}",
        "location": "Admission unit",
        "description": "Injuries seen on admission are not written down.",
        "sources": [Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        "provisions": [p.pk for p in Provision.objects.order_by("pk")[:2]],
        "answers": [],
        "evidence": [],
        "possible_ill_treatment": False,
        **overrides,
    }
    return finding_create(actor=actor, visit=visit, **values)


@pytest.fixture
def report(coordinator: User, visit: Visit) -> Report:
    return reports.report_start(actor=coordinator, visit=visit)


@pytest.fixture
def team_monitor(monitor: User, visit: Visit) -> User:
    TeamMember.objects.create(visit=visit, user=monitor)
    return monitor


def section(report: Report, key: str = "summary") -> ReportSection:
    return ReportSection.objects.get(report=report, key=key)


def write(actor: User, report: Report, body: str, key: str = "summary") -> ReportSection:
    current = section(report, key)
    return reports.section_save(actor=actor, section=current, body=body, base_revision=current.revision)


def team_writer(visit: Visit) -> User:
    """The team's member who puts the report up for approval (never its approver: four eyes)."""
    writer = User.objects.filter(username="writer").first() or make_user("writer", Role.MONITOR)
    TeamMember.objects.get_or_create(visit=visit, user=writer)
    return writer


def ready_for_approval(coordinator: User, report: Report) -> Report:
    add_finding(coordinator, report.visit)
    write(coordinator, report, "The group found a missing register.")
    return reports.submit_for_review(actor=team_writer(report.visit), report=report)


def approved(coordinator: User, report: Report) -> Report:
    return reports.approve(actor=coordinator, report=ready_for_approval(coordinator, report))


def authority_version(report: Report, lang: str = "ru") -> None:
    """What the publishing app stores when a second person approves the version for the authority
    (the release gate; its own tests are in dozor/publishing/tests/test_release_gate.py)."""
    released.store_approved(
        report_id=report.pk, lang=lang, release_id=1, sections={"summary": "Approved text"}, approved_by=0
    )


def state(report: Report) -> tuple[str, int, int]:
    """What a refused step must leave untouched: status, versions, audit events."""
    report.refresh_from_db()
    return report.status, ReportVersion.objects.filter(report=report).count(), AuditEvent.objects.count()


# --- starting and editing -------------------------------------------------------------------------


def test_it_starts_a_report_once_with_every_section(coordinator, visit):
    report = reports.report_start(actor=coordinator, visit=visit)
    assert report.status == Report.Status.DRAFT
    assert list(report.sections.values_list("key", flat=True)) == ReportSection.Key.values
    assert reports.report_start(actor=coordinator, visit=visit) == report
    assert AuditEvent.objects.filter(object_type="visits.report").count() == 1


def test_it_refuses_to_start_a_report_for_readers(council, visit):
    with pytest.raises(PermissionDenied):
        reports.report_start(actor=council, visit=visit)
    assert not Report.objects.exists()


def test_it_saves_a_section_with_a_new_revision(coordinator, report):
    saved = write(coordinator, report, "First lines.\r\nSecond line.  ")
    assert (saved.body, saved.revision, saved.updated_by) == ("First lines.\nSecond line.", 1, coordinator)
    event = AuditEvent.objects.filter(object_type="visits.reportsection").get()
    assert event.changes["section"] == "summary" and event.changes["revision"] == {"before": 0, "after": 1}
    write(coordinator, report, "First lines.\nSecond line.")  # unchanged: no revision, no audit
    assert section(report).revision == 1
    assert AuditEvent.objects.filter(object_type="visits.reportsection").count() == 1


def test_it_refuses_the_second_of_two_concurrent_edits(coordinator, team_monitor, report):
    first = section(report)
    second = section(report)  # both editors loaded revision 0
    reports.section_save(actor=coordinator, section=first, body="Alice's summary", base_revision=0)
    audits = AuditEvent.objects.count()
    with pytest.raises(ReportConflict) as caught:
        reports.section_save(actor=team_monitor, section=second, body="Bob's summary", base_revision=0)
    conflict = caught.value
    assert isinstance(conflict, ValidationError)
    assert conflict.current_body == "Alice's summary" and conflict.current_revision == 1
    assert conflict.updated_by == coordinator and conflict.submitted_body == "Bob's summary"
    assert "Alice" in conflict.messages[0]
    stored = section(report)
    assert (stored.body, stored.revision, stored.updated_by) == ("Alice's summary", 1, coordinator)
    assert AuditEvent.objects.count() == audits
    # merging and saving on top of the current revision works
    reports.section_save(
        actor=team_monitor, section=second, body="Alice's and Bob's summary", base_revision=1
    )
    assert section(report).body == "Alice's and Bob's summary"


def test_it_shows_a_conflict_with_both_texts(coordinator, team_monitor, report, as_monitor):
    target = section(report)
    url = reverse("visits:report_section", args=[target.pk])
    reports.section_save(actor=coordinator, section=target, body="Alice's summary", base_revision=0)
    response = as_monitor.post(url, {"body": "Bob's own summary", "base_revision": "0"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert "Alice&#x27;s summary" in body  # the other person's current text
    assert "Bob&#x27;s own summary</textarea>" in body  # the user's own text, kept in the box
    assert 'name="base_revision" value="1"' in body  # resubmitting merges on top of revision 1
    assert section(report).body == "Alice's summary"
    merged = as_monitor.post(url, {"body": "Merged summary", "base_revision": "1"})
    assert merged.status_code == 302 and section(report).body == "Merged summary"


def test_it_refuses_edits_once_approved(coordinator, report):
    approved(coordinator, report)
    with pytest.raises(ValidationError):
        write(coordinator, report, "Too late")
    with pytest.raises(ValidationError):
        reports.comment_add(actor=coordinator, section=section(report, "findings"), body="Too late")


def test_it_adds_and_resolves_comments(coordinator, team_monitor, report, as_monitor):
    target = section(report, "findings")
    with pytest.raises(ValidationError):
        reports.comment_add(actor=team_monitor, section=target, body="  ")
    response = as_monitor.post(reverse("visits:comment_add", args=[target.pk]), {"body": ""})
    assert response.status_code == 400 and "Write the comment." in response.content.decode()
    response = as_monitor.post(reverse("visits:comment_add", args=[target.pk]), {"body": "Add the date"})
    assert response.status_code == 302
    comment = ReportComment.objects.get()
    assert (comment.author, comment.body, comment.resolved_at) == (team_monitor, "Add the date", None)
    page = as_monitor.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert "Add the date" in page
    response = as_monitor.post(reverse("visits:comment_resolve", args=[comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == team_monitor and comment.resolved_at is not None
    with pytest.raises(ValidationError):
        reports.comment_resolve(actor=coordinator, comment=comment)


# --- workflow -----------------------------------------------------------------------------------


def test_it_refuses_to_approve_a_report_without_findings(coordinator, report, as_coordinator):
    write(coordinator, report, "A summary")
    reports.submit_for_review(actor=coordinator, report=report)
    before = state(report)
    with pytest.raises(ValidationError) as caught:
        reports.approve(actor=coordinator, report=report)
    assert "no findings" in " ".join(caught.value.messages)
    assert state(report) == before
    response = as_coordinator.post(
        reverse("visits:report_transition", args=[report.pk]), {"action": "approve"}
    )
    assert response.status_code == 400
    assert "The visit has no findings" in response.content.decode()
    assert state(report) == before
    assert report.approved_by is None


def test_it_refuses_to_approve_without_a_summary(coordinator, report):
    add_finding(coordinator, report.visit)
    reports.submit_for_review(actor=coordinator, report=report)
    before = state(report)
    with pytest.raises(ValidationError) as caught:
        reports.approve(actor=coordinator, report=report)
    assert "summary" in " ".join(caught.value.messages)
    assert state(report) == before


@pytest.mark.parametrize("to_review", [False, True])
def test_it_refuses_to_record_an_unapproved_report_as_sent(coordinator, report, as_coordinator, to_review):
    add_finding(coordinator, report.visit)
    write(coordinator, report, "A summary")
    if to_review:
        reports.submit_for_review(actor=coordinator, report=report)
    before = state(report)
    with pytest.raises(ValidationError) as caught:
        reports.mark_sent(actor=coordinator, report=report, sent_on=datetime.date(2025, 4, 1), sent_to="KUIS")
    assert "not been approved" in caught.value.messages[0]
    assert state(report) == before
    response = as_coordinator.post(
        reverse("visits:report_transition", args=[report.pk]),
        {"action": "send", "sent_on": "2025-04-01", "sent_to": "KUIS"},
    )
    assert response.status_code == 400 and "not been approved" in response.content.decode()
    assert state(report) == before and report.sent_on is None


def test_it_refuses_a_sending_date_in_the_future(coordinator, report):
    approved(coordinator, report)
    authority_version(report)
    before = state(report)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        reports.mark_sent(actor=coordinator, report=report, sent_on=tomorrow, sent_to="KUIS")
    assert "sent_on" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        reports.mark_sent(actor=coordinator, report=report, sent_on=None, sent_to=" ")
    assert set(caught.value.error_dict) == {"sent_on", "sent_to"}
    assert state(report) == before


def test_it_takes_a_report_from_draft_to_sent(coordinator, report, as_coordinator):
    add_finding(coordinator, report.visit)
    detail = reverse("visits:report_detail", args=[report.pk])
    transition = reverse("visits:report_transition", args=[report.pk])
    summary = section(report)
    response = as_coordinator.post(
        reverse("visits:report_section", args=[summary.pk]), {"body": "The summary", "base_revision": "0"}
    )
    assert response.status_code == 302
    assert 'data-testid="step-submit"' in as_coordinator.get(detail).content.decode()

    writer = Client()
    writer.force_login(team_writer(report.visit))
    assert writer.post(transition, {"action": "submit"}).status_code == 302
    page = as_coordinator.get(detail).content.decode()
    assert 'data-testid="step-approve"' in page and 'data-testid="step-return"' in page
    assert as_coordinator.post(transition, {"action": "approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and report.approved_by == coordinator
    assert report.approved_at is not None

    # without an approved version for the authority nothing is recorded (the release gate)
    response = as_coordinator.post(
        transition,
        {"action": "send", "sent_on": "2025-04-02", "sent_to": "KUIS", "sent_reference": "NPM-7"},
    )
    assert (
        response.status_code == 400 and "no approved version for the authority" in response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and report.sent_on is None
    authority_version(report)
    response = as_coordinator.post(
        transition,
        {"action": "send", "sent_on": "2025-04-02", "sent_to": "KUIS", "sent_reference": "NPM-7"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.SENT
    assert (report.sent_on, report.sent_to, report.sent_reference) == (
        datetime.date(2025, 4, 2),
        "KUIS",
        "NPM-7",
    )
    versions = list(ReportVersion.objects.filter(report=report).order_by("number"))
    assert [(v.number, v.status) for v in versions] == [(1, "review"), (2, "approved"), (3, "sent")]
    assert versions[0].reason == reports.REASON_SUBMITTED and versions[0].created_by.username == "writer"
    assert versions[-1].content["sections"]["summary"] == "The summary"
    assert "No register of injuries 1" in versions[-1].content["sections"]["findings"]
    assert versions[-1].content["revisions"]["summary"] == 1
    changes = AuditEvent.objects.filter(object_type="visits.report", action=AuditEvent.Action.UPDATE)
    assert [e.changes["status"]["after"] for e in changes.order_by("pk")] == ["review", "approved", "sent"]
    assert changes.order_by("pk").last().changes["sent_release"] == 1  # type: ignore[union-attr]
    assert report.authority_release["sent"]["lang"] == "ru"
    page = as_coordinator.get(detail).content.decode()
    assert 'data-testid="step-' not in page and "NPM-7" in page
    assert "<textarea" not in page  # nothing is editable any more


def test_it_lets_only_coordinators_return_an_approved_report_with_a_reason(
    coordinator, team_monitor, report, as_monitor, as_coordinator
):
    approved(coordinator, report)
    with pytest.raises(PermissionDenied):
        reports.return_to_draft(actor=team_monitor, report=report, reason="Typo")
    assert (
        as_monitor.post(
            reverse("visits:report_transition", args=[report.pk]), {"action": "return", "reason": "Typo"}
        ).status_code
        == 403
    )
    before = state(report)
    response = as_coordinator.post(
        reverse("visits:report_transition", args=[report.pk]), {"action": "return"}
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert state(report) == before
    reports.return_to_draft(actor=coordinator, report=report, reason="The authority's name is wrong")
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.approved_by is None
    version = ReportVersion.objects.filter(report=report).first()
    assert version is not None and version.status == "draft"
    assert reports.version_reason(version) == "Returned to draft: The authority's name is wrong"


def test_it_lets_the_team_submit_and_return_but_not_approve(coordinator, team_monitor, report, as_monitor):
    add_finding(coordinator, report.visit)
    write(team_monitor, report, "Team summary")
    transition = reverse("visits:report_transition", args=[report.pk])
    assert as_monitor.post(transition, {"action": "submit"}).status_code == 302
    page = as_monitor.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="step-return"' in page and 'data-testid="step-approve"' not in page
    assert as_monitor.post(transition, {"action": "approve"}).status_code == 403
    assert as_monitor.post(transition, {"action": "return"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert ReportVersion.objects.filter(report=report).count() == 2


def test_it_refuses_steps_out_of_order(coordinator, report):
    with pytest.raises(ValidationError):
        reports.approve(actor=coordinator, report=report)
    with pytest.raises(ValidationError):
        reports.return_to_draft(actor=coordinator, report=report)
    reports.submit_for_review(actor=coordinator, report=report)
    with pytest.raises(ValidationError):
        reports.submit_for_review(actor=coordinator, report=report)


# --- versions and diff ----------------------------------------------------------------------------


def test_it_saves_numbered_versions(coordinator, team_monitor, report, as_monitor):
    write(coordinator, report, "One")
    first = reports.version_save(actor=coordinator, report=report, reason="Before the expert")
    response = as_monitor.post(reverse("visits:report_version_save", args=[report.pk]), {"reason": ""})
    assert response.status_code == 302
    second = ReportVersion.objects.get(report=report, number=2)
    assert (first.number, first.reason, first.content["lang"]) == (1, "Before the expert", "ru")
    assert second.created_by == team_monitor and second.status == "draft"
    page = as_monitor.get(reverse("visits:report_versions", args=[report.pk])).content.decode()
    assert page.count('data-testid="version"') == 2 and "Before the expert" in page


def test_it_diffs_two_texts_line_by_line():
    rows, added, removed = text_diff("a\nb\nc", "a\nB changed\nc\nd")
    assert (added, removed) == (2, 1)
    kinds = [row.kind for row in rows]
    assert kinds == ["equal", "changed", "equal", "added"]
    changed = rows[1]
    assert [s.text for s in changed.old if s.changed] == ["b"]
    assert [s.text for s in changed.new if s.changed] == ["B changed"]
    assert text_diff("same", "same") == ([], 0, 0)
    sections = version_diff({"summary": "x"}, {"summary": "x", "findings": "new"}, {"summary": "Summary"})
    assert [(s.key, s.changed) for s in sections] == [("summary", False), ("findings", True)]


def test_it_keeps_only_context_around_changes():
    old = "\n".join(f"line {n}" for n in range(20))
    new = old.replace("line 10", "line ten")
    rows, added, removed = text_diff(old, new)
    assert (added, removed) == (1, 1)
    assert [row.kind for row in rows] == ["skip", *["equal"] * 3, "changed", *["equal"] * 3, "skip"]


def test_it_shows_the_changes_between_versions_and_to_the_current_text(coordinator, report, as_council):
    write(coordinator, report, "The first line\nThe old second line")
    reports.version_save(actor=coordinator, report=report)
    write(coordinator, report, "The first line\nThe new second line")
    reports.version_save(actor=coordinator, report=report)
    url = reverse("visits:report_diff", args=[report.pk])
    body = as_council.get(f"{url}?a=1&b=2").content.decode()
    assert 'data-testid="diff-section-summary"' in body and 'data-testid="diff-changed"' in body
    assert "<del>old</del>" in body and "<ins>new</ins>" in body
    assert "The first line" in body
    write(coordinator, report, "The first line\nThe new second line\nA third line")
    body = as_council.get(url).content.decode()  # latest version vs the current text
    assert 'data-testid="diff-added"' in body and "<ins>A third line</ins>" in body
    assert "<del>" not in body
    assert as_council.get(f"{url}?a=1&b=9").status_code == 404
    assert as_council.get(f"{url}?a=x").status_code == 404


def test_it_says_when_there_is_no_version_to_compare(report, as_coordinator):
    response = as_coordinator.get(reverse("visits:report_diff", args=[report.pk]))
    assert response.status_code == 200 and "nothing to compare" in response.content.decode()


# --- pages --------------------------------------------------------------------------------------


def test_it_shows_the_report_section_on_the_visit_page(coordinator, visit, as_coordinator, as_council):
    url = reverse("visits:detail", args=[visit.pk])
    page = as_coordinator.get(url).content.decode()
    assert 'data-testid="start-report"' in page
    assert 'data-testid="start-report"' not in as_council.get(url).content.decode()
    response = as_coordinator.post(reverse("visits:report_start", args=[visit.pk]))
    report = Report.objects.get(visit=visit)
    assert response.status_code == 302 and response["Location"] == reverse(
        "visits:report_detail", args=[report.pk]
    )
    page = as_council.get(url).content.decode()
    assert reverse("visits:report_detail", args=[report.pk]) in page and "Draft" in page


def test_it_renders_the_report_from_the_visit_data(coordinator, report, as_coordinator):
    add_finding(coordinator, report.visit, 1)
    add_finding(
        coordinator, report.visit, 2, severity=Finding.Severity.POSITIVE, sources=["staff"], title="Good food"
    )
    write(coordinator, report, "Our summary")
    page = as_coordinator.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert "Our summary" in page and "No register of injuries 1" in page and "Good food" in page
    assert 'id="ref-1"' in page and 'href="#ref-1"' in page
    assert page.count('data-testid="report-finding"') == 2
    for key in ReportSection.Key.values:
        assert f'data-testid="edit-{key}"' in page
    assert "format=pdf&amp;lang=kk" in page and "format=docx&amp;lang=en" in page


def test_it_bounds_the_queries_of_the_report_page(
    coordinator, report, as_coordinator, django_assert_max_num_queries
):
    url = reverse("visits:report_detail", args=[report.pk])
    add_finding(coordinator, report.visit, 1)
    reports.comment_add(actor=coordinator, section=section(report), body="One")
    as_coordinator.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        as_coordinator.get(url)
    for number in range(2, 21):
        add_finding(coordinator, report.visit, number)
    for key in ReportSection.Key.values:
        reports.comment_add(actor=coordinator, section=section(report, key), body=f"On {key}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = as_coordinator.get(url)
    assert response.content.decode().count('data-testid="report-finding"') == 20


# --- access -------------------------------------------------------------------------------------


def report_urls(report: Report) -> list[tuple[str, str, dict[str, str]]]:
    """Every report URL with its method and, for writes, a body that would change something."""
    target = section(report)
    comment = ReportComment.objects.create(section=target, body="A comment")
    return [
        ("post", reverse("visits:report_start", args=[report.visit.pk]), {}),
        ("get", reverse("visits:report_detail", args=[report.pk]), {}),
        (
            "post",
            reverse("visits:report_section", args=[target.pk]),
            {"body": "Changed", "base_revision": "0"},
        ),
        ("post", reverse("visits:report_transition", args=[report.pk]), {"action": "submit"}),
        ("get", reverse("visits:report_versions", args=[report.pk]), {}),
        ("post", reverse("visits:report_version_save", args=[report.pk]), {"reason": "x"}),
        ("get", reverse("visits:report_diff", args=[report.pk]), {}),
        ("post", reverse("visits:comment_add", args=[target.pk]), {"body": "x"}),
        ("post", reverse("visits:comment_resolve", args=[comment.pk]), {}),
    ]


def unchanged(report: Report) -> None:
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and section(report).body == ""
    assert not ReportVersion.objects.exists()
    assert ReportComment.objects.get().resolved_at is None


def test_it_hides_reports_from_outsiders(report, as_monitor, as_liaison, as_other_liaison, as_trainer):
    urls = report_urls(report)
    for client in (as_monitor, as_liaison, as_other_liaison, as_trainer):
        for method, url, data in urls:
            assert getattr(client, method)(url, data).status_code == 404, (method, url)
    unchanged(report)


def test_it_lets_council_members_read_but_not_write(report, as_council):
    for method, url, data in report_urls(report):
        expected = 200 if method == "get" else 403
        assert getattr(as_council, method)(url, data).status_code == expected, (method, url)
    page = as_council.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert "<textarea" not in page and 'data-testid="step-' not in page
    assert 'data-testid="version-form"' not in page and 'data-testid="resolve"' not in page
    unchanged(report)


def test_it_hides_the_evidence_annex_from_council_members(coordinator, report, as_council, as_coordinator):
    from dozor.visits.findings.tests.test_findings import evidence_of

    evidence_of(report.visit, "secret-photo.jpg")
    url = reverse("visits:report_detail", args=[report.pk])
    assert "secret-photo.jpg" in as_coordinator.get(url).content.decode()
    assert "secret-photo.jpg" not in as_council.get(url).content.decode()


def test_it_sends_anonymous_users_to_sign_in(report, anonymous: Client):
    for method, url, data in report_urls(report):
        response = getattr(anonymous, method)(url, data)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def _jump_links_land(page: str, nav: str) -> list[str]:
    """The in-page links of the navigation marked ``data-testid=nav`` that point at nothing."""
    import re

    block = re.search(rf'data-testid="{nav}">(.*?)</nav>', page, re.S)
    assert block is not None, f"no {nav} on the page"
    targets = re.findall(r'href="#([^"]+)"', block.group(1))
    assert targets
    return [target for target in targets if f'id="{target}"' not in page]


def test_the_visit_page_and_the_report_editor_have_jump_links_to_every_part(
    coordinator, report, as_coordinator
):
    """Long pages on a phone (issue 14): every link of their in-page navigation lands on a part."""
    editor = as_coordinator.get(reverse("visits:report_detail", args=[report.pk])).content.decode()
    assert _jump_links_land(editor, "report-nav") == []
    assert editor.count('href="#section-') == report.sections.count()
    visit = as_coordinator.get(reverse("visits:detail", args=[report.visit_id])).content.decode()
    assert _jump_links_land(visit, "visit-nav") == []
    assert 'href="#findings"' in visit and 'href="#report"' in visit


def test_the_coordinator_who_submitted_a_report_cannot_approve_it(coordinator, report, as_coordinator):
    """Four eyes (issue 16): what goes to the authority is approved by a second person."""
    add_finding(coordinator, report.visit)
    write(coordinator, report, "The group found a missing register.")
    reports.submit_for_review(actor=coordinator, report=report)
    before = state(report)
    with pytest.raises(ValidationError) as caught:
        reports.approve(actor=coordinator, report=report)
    assert "another coordinator approves it" in " ".join(caught.value.messages)
    response = as_coordinator.post(
        reverse("visits:report_transition", args=[report.pk]), {"action": "approve"}
    )
    assert response.status_code == 400 and "another coordinator approves it" in response.content.decode()
    assert state(report) == before
    second = make_user("second", Role.COORDINATOR)
    assert reports.approve(actor=second, report=report).approved_by == second
