"""The online checklist during a visit: drafts saved as you go, resumed, finalised, and invisible
wherever answers are used (dozor.visits.services, dozor.visits.views.checklist)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.standards.models import Theme
from dozor.visits.access import checklist_submission_for_user, submissions_visible_to
from dozor.visits.findings.forms import FindingForm
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Answer, Finding, Submission
from dozor.visits.reports.content import build
from dozor.visits.reports.services import report_start
from dozor.visits.selectors import (
    VisitFilters,
    checklist_resume,
    checklist_submissions,
    submission_values,
    visit_search,
)
from dozor.visits.services import (
    draft_values,
    submission_draft_save,
    submission_finalise,
    team_member_add,
    web_instance_id,
)

HALF = {("visit_date", 0): "2026-04-01", ("notes", 0): "Half done", ("population", 0): "-"}
COMPLETE = {
    ("visit_date", 0): "2026-04-01",
    ("holds_women", 0): "no",
    ("population", 0): "12",
    ("notes", 0): "Камерада терезе жоқ",
    ("cell_number", 1): "7",
}


@pytest.fixture
def team_visit(coordinator, monitor, visit):  # type: ignore[no-untyped-def]
    team_member_add(actor=coordinator, visit=visit, user=monitor)
    return visit


def draft(actor, visit, answers=HALF, instance_id=""):  # type: ignore[no-untyped-def]
    return submission_draft_save(
        actor=actor, visit=visit, instance_id=instance_id or web_instance_id(), answers=answers
    )


# --- services --------------------------------------------------------------------------------------


def test_it_saves_a_draft_however_incomplete_and_updates_it_in_place(monitor, team_visit):
    instance_id = web_instance_id()
    first = draft(monitor, team_visit, instance_id=instance_id)
    assert first.status == Submission.Status.DRAFT and first.submitted_at is None
    assert draft_values(first) == HALF  # missing required answers and a half-typed number are kept
    assert not Answer.objects.exists()
    again = draft(monitor, team_visit, answers=HALF | {("notes", 0): "More"}, instance_id=instance_id)
    assert again.pk == first.pk and draft_values(again)[("notes", 0)] == "More"
    assert Submission.objects.count() == 1
    # the draft's creation is audited, not every autosave
    assert AuditEvent.objects.filter(object_type="visits.submission", object_id=str(first.pk)).count() == 1


def test_it_keeps_only_known_questions_at_possible_places_in_a_draft(monitor, team_visit):
    saved = draft(
        monitor,
        team_visit,
        answers={("notes", 0): "ok", ("nonsense", 0): "x", ("notes", 2): "x", ("cell_number", 0): "x"},
    )
    assert draft_values(saved) == {("notes", 0): "ok"}


def test_it_resumes_the_users_own_latest_draft(coordinator, monitor, team_visit):
    mine = draft(monitor, team_visit)
    draft(coordinator, team_visit)
    submissions = checklist_submissions(user=monitor, visit=team_visit)
    assert checklist_resume(user=monitor, submissions=submissions) == mine
    assert len(submissions) == 2  # the team sees its colleagues' drafts to continue them


def test_it_finalises_only_a_complete_checklist_and_changes_nothing_otherwise(monitor, team_visit):
    submission = draft(monitor, team_visit)
    with pytest.raises(ValidationError) as caught:
        submission_finalise(actor=monitor, submission=submission)
    errors = caught.value.message_dict
    assert {"holds_women", "cell_number[1]", "population"} <= set(errors)
    assert "required" in errors["holds_women"][0]
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT and draft_values(submission) == HALF
    assert not Answer.objects.exists()
    draft(
        monitor,
        team_visit,
        answers=COMPLETE | {("women_separated", 0): "yes"},
        instance_id=submission.instance_id,
    )
    final = submission_finalise(actor=monitor, submission=submission)
    assert final.status == Submission.Status.FINAL and final.submitted_at is not None
    assert not final.has_pending_draft and final.draft == {}
    assert submission_values(final) == COMPLETE  # the answer that did not apply is dropped


def test_it_edits_a_final_checklist_whose_answers_count_until_the_edit_is_final(
    coordinator, monitor, team_visit
):
    submission = draft(monitor, team_visit, answers=COMPLETE)
    submission_finalise(actor=monitor, submission=submission)
    kept = Answer.objects.get(submission=submission, question__name="visit_date")
    finding = finding_create(
        actor=coordinator,
        visit=team_visit,
        theme=Theme.objects.first(),
        severity=Finding.Severity.MODERATE,
        title="Windows",
        description="No window",
        sources=["observation"],
        answers=[kept],
    )
    # a coordinator edits the monitor's final checklist: the final answers still count meanwhile
    edit = draft(
        coordinator,
        team_visit,
        answers=COMPLETE | {("notes", 0): "Corrected"},
        instance_id=submission.instance_id,
    )
    assert edit.pk == submission.pk and edit.status == Submission.Status.FINAL and edit.has_pending_draft
    assert submission_values(submission)[("notes", 0)] == COMPLETE[("notes", 0)]
    submission_finalise(actor=coordinator, submission=edit)
    assert submission_values(submission)[("notes", 0)] == "Corrected"
    assert Answer.objects.filter(pk=kept.pk).exists()  # unchanged answers keep their rows
    assert list(finding.answers.all()) == [kept]


def test_it_hides_drafts_from_anyone_who_may_not_record_the_visit(
    coordinator, monitor, council, liaison, anonymous, team_visit
):
    from django.contrib.auth.models import AnonymousUser

    submission = draft(monitor, team_visit)
    outsider = make_user("mira", Role.MONITOR)
    for actor in (council, outsider, liaison, AnonymousUser()):
        with pytest.raises(Http404):
            checklist_submission_for_user(actor, team_visit, submission.pk)
        with pytest.raises(Http404):
            draft(actor, team_visit, instance_id=submission.instance_id)
        with pytest.raises(Http404):
            submission_finalise(actor=actor, submission=submission)
        assert checklist_submissions(user=actor, visit=team_visit) == []
    submission.refresh_from_db()
    assert draft_values(submission) == HALF and submission.draft_by == monitor
    assert checklist_submission_for_user(coordinator, team_visit, submission.pk) == submission


def test_it_refuses_a_forged_instance_id_and_another_visits_checklist(
    coordinator, monitor, team_visit, small_version
):
    from dozor.facilities.tests.factories import FacilityFactory
    from dozor.visits.services import visit_create

    with pytest.raises(ValidationError, match="reload the page"):
        draft(monitor, team_visit, instance_id="uuid:not-ours")
    other = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=team_visit.visit_type,
        started_on=team_visit.started_on,
        template_version=small_version,
    )
    theirs = draft(coordinator, other)
    with pytest.raises(Http404):
        draft(coordinator, team_visit, instance_id=theirs.instance_id)
    assert Submission.objects.filter(visit=team_visit).count() == 0


def test_a_drafts_answers_appear_nowhere_answers_are_used(coordinator, monitor, as_coordinator, team_visit):
    final = draft(monitor, team_visit, answers=COMPLETE)
    submission_finalise(actor=monitor, submission=final)
    pending = draft(monitor, team_visit, answers=COMPLETE | {("notes", 0): "SECRET-DRAFT"})
    # a final checklist being edited: its pending changes count nowhere either
    draft(
        coordinator,
        team_visit,
        answers=COMPLETE | {("notes", 0): "SECRET-EDIT"},
        instance_id=final.instance_id,
    )
    assert list(submissions_visible_to(coordinator)) == [final]
    # findings: only final answers can be linked
    form = FindingForm(visit=team_visit)
    linkable = form.fields["answers"].queryset  # type: ignore[attr-defined]
    assert set(linkable.values_list("submission_id", flat=True)) == {final.pk}
    assert not Answer.objects.filter(submission=pending).exists()
    # the visit list counts final checklists only
    assert visit_search(coordinator, VisitFilters()).get(pk=team_visit.pk).submission_count == 1
    # the report counts final checklists only
    content = build(report_start(actor=coordinator, visit=team_visit), lang="en")
    assert ("Checklists completed", "1") in content.methodology_facts
    # the visit page and the API show final answers, never a draft's
    page = as_coordinator.get(reverse("visits:detail", args=[team_visit.pk])).content.decode()
    assert "SECRET" not in page and "Камерада терезе жоқ" in page
    assert pending.instance_id not in page and final.instance_id not in page  # readable names instead
    api = as_coordinator.get(f"/api/v1/visits/{team_visit.pk}/submissions/")
    assert api.status_code == 200
    body = json.dumps(api.json(), ensure_ascii=False)
    assert "SECRET" not in body and pending.instance_id not in body and final.instance_id in body


# --- the page ---------------------------------------------------------------------------------------


def url(visit) -> str:  # type: ignore[no-untyped-def]
    return reverse("visits:checklist", args=[visit.pk])


def test_it_autosaves_and_resumes_the_draft(monitor, as_monitor, team_visit):
    page = as_monitor.get(url(team_visit))
    instance_id = page.context["instance_id"]
    assert not Submission.objects.exists()  # nothing is written until something is answered
    response = as_monitor.post(
        url(team_visit),
        {
            "instance": instance_id,
            "notes": "Typed so far",
            "_draft": "autosave",
            "units_cell_inspection": "2",
        },
        HTTP_X_DOZOR_AUTOSAVE="1",
    )
    assert response.status_code == 200 and response.json()["ok"] is True
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.status == Submission.Status.DRAFT and submission.draft["units"] == {
        "cell_inspection": 2
    }
    again = as_monitor.get(url(team_visit))
    body = again.content.decode()
    assert again.context["submission"] == submission and "Typed so far" in body
    assert "Continuing the draft saved on the server" in body
    assert 'name="cell_number__2"' in body  # the units are resumed too
    assert as_monitor.get(url(team_visit), {"new": "1"}).context["submission"] is None


def test_save_draft_without_javascript_never_refuses(monitor, as_monitor, team_visit):
    response = as_monitor.post(
        url(team_visit), {"instance": web_instance_id(), "population": "-5", "_draft": "1"}
    )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url(team_visit)}?submission={submission.pk}"
    assert draft_values(submission) == {("population", 0): "-5"}


def test_a_failed_finalise_lists_each_problem_linked_to_its_field(monitor, as_monitor, team_visit):
    response = as_monitor.post(
        url(team_visit),
        {"instance": web_instance_id(), "population": "-5", "units_cell_inspection": "1", "_finalise": "1"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-summary" tabindex="-1" autofocus' in body
    assert 'href="#id_holds_women_0"' in body and 'href="#id_population"' in body
    assert 'href="#id_cell_number__1"' in body and "cell number (unit 1)" in body
    assert 'aria-invalid="true"' in body and 'aria-describedby="id_population_error"' in body
    assert Submission.objects.get().status == Submission.Status.DRAFT


def test_it_marks_required_questions_without_the_browser_enforcing_them(as_monitor, team_visit):
    body = as_monitor.get(url(team_visit)).content.decode()
    assert 'name="visit_date" required aria-required="true"' in body or (
        'aria-required="true"' in body and 'name="visit_date"' in body
    )
    assert 'type="radio" name="holds_women" value="yes" required' in body
    assert "novalidate" in body and 'name="_draft" value="1" class="button secondary" formnovalidate' in body


def test_it_finalises_and_reopens_a_checklist_for_editing(monitor, as_monitor, as_coordinator, team_visit):
    instance_id = web_instance_id()
    data = {
        "instance": instance_id,
        "visit_date": "2026-04-01",
        "holds_women": "no",
        "population": "3",
        "cell_number__1": "12",
        "units_cell_inspection": "1",
        "_finalise": "1",
    }
    response = as_monitor.post(url(team_visit), data)
    assert response.status_code == 302 and response["Location"] == reverse(
        "visits:detail", args=[team_visit.pk]
    )
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.is_final
    detail = as_coordinator.get(reverse("visits:detail", args=[team_visit.pk])).content.decode()
    assert "Checklist by" in detail and "(final)" in detail and instance_id not in detail
    assert f"?submission={submission.pk}" in detail
    edit = as_coordinator.get(url(team_visit), {"submission": submission.pk})
    assert edit.status_code == 200 and ">\n12</textarea>" in edit.content.decode()
    assert "Editing a final checklist" in edit.content.decode()


def test_it_hides_the_checklist_and_its_drafts_from_outsiders(
    monitor, as_monitor, as_council, as_liaison, anonymous, team_visit
):
    submission = draft(monitor, team_visit)
    outsider = make_user("mira", Role.MONITOR)
    from django.test import Client

    as_outsider = Client()
    as_outsider.force_login(outsider)
    for client in (as_council, as_liaison, as_outsider):
        assert client.get(url(team_visit), {"submission": submission.pk}).status_code == 404
        response = client.post(
            url(team_visit),
            {"instance": submission.instance_id, "notes": "overwritten", "_draft": "1"},
            HTTP_X_DOZOR_AUTOSAVE="1",
        )
        assert response.status_code == 404
    assert (
        anonymous.post(url(team_visit), {"instance": submission.instance_id, "_draft": "1"}).status_code
        == 302
    )
    submission.refresh_from_db()
    assert draft_values(submission) == HALF
    # council members read the visit, but not that a draft exists
    page = as_council.get(reverse("visits:detail", args=[team_visit.pk])).content.decode()
    assert 'data-testid="checklist-drafts"' not in page
    assert (
        'data-testid="checklist-drafts"'
        in as_monitor.get(reverse("visits:detail", args=[team_visit.pk])).content.decode()
    )


def test_it_keeps_the_checklist_page_bounded(
    coordinator, monitor, as_monitor, team_visit, django_assert_max_num_queries
):
    draft(monitor, team_visit)
    with django_assert_max_num_queries(25) as small:
        assert as_monitor.get(url(team_visit)).status_code == 200
    for _n in range(10):
        submission_finalise(actor=coordinator, submission=draft(coordinator, team_visit, answers=COMPLETE))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert as_monitor.get(url(team_visit)).status_code == 200


def test_an_autosave_arriving_after_the_finalise_changes_nothing(monitor, as_monitor, team_visit):
    """A phone sends an autosave, the monitor types one more answer and presses Finalise at once;
    the autosave reaches the server last. The final answers are the ones sent with Finalise."""
    instance_id = web_instance_id()
    final = {
        "instance": instance_id,
        "visit_date": "2026-04-01",
        "holds_women": "no",
        "population": "3",
        "notes": "typed last",
        "cell_number__1": "12",
        "units_cell_inspection": "1",
    }
    assert as_monitor.post(url(team_visit), final | {"_finalise": "1"}).status_code == 302
    stale = {k: v for k, v in final.items() if k != "notes"} | {"_draft": "autosave"}
    late = as_monitor.post(url(team_visit), stale, HTTP_X_DOZOR_AUTOSAVE="1")
    assert late.status_code == 400 and late.json()["ok"] is False
    submission = Submission.objects.get(instance_id=instance_id)
    assert submission.is_final and not submission.has_pending_draft
    assert submission_values(submission)[("notes", 0)] == "typed last"
    # a page opened to change the final checklist does save its changes as a draft
    edit = as_monitor.post(url(team_visit), stale | {"editing_final": "1"}, HTTP_X_DOZOR_AUTOSAVE="1")
    assert edit.status_code == 200 and Submission.objects.get(pk=submission.pk).has_pending_draft


def test_finalise_checks_the_answers_it_was_sent_not_an_older_draft(monitor, team_visit):
    saved = draft(monitor, team_visit, answers=HALF)
    final = submission_finalise(
        actor=monitor, submission=saved, answers=COMPLETE, units={"cell_inspection": 1}
    )
    assert final.is_final and submission_values(final)[("notes", 0)] == "Камерада терезе жоқ"
