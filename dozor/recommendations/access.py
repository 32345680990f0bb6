"""Who sees which recommendation, response, letter and reprisal case (design.md roles).

- Coordinators: everything; they issue, assess, register letters and follow up reprisals.
- Council members and monitors: every recommendation with its history, responses and letters
  (internal, not confidential); reprisal cases only for coordinators and - for cases raised at a
  place they are visiting or about a person held at such a place - the team of a visit to that
  place (they must check on the person). A protected person's identity: coordinators and the
  case's team only (the team of the visit the case came from, and of the visits that may check on
  the person; decision 0024).
- Authority liaisons (the authority portal): only recommendations addressed to their authority or
  its subtree, or to places operated by it - and of those only recommendations whose visit report
  was sent to the authority (never drafts) or that came from another source; the responses their
  authority submitted; the letters exchanged with their authority subtree. Never reprisal cases,
  interviews, protected persons, plans or other authorities' data.
- Trainers and anonymous users: nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, active_user, can
from dozor.core.models import Authority
from dozor.facilities.models import Facility
from dozor.recommendations.models import (
    Letter,
    ProtectedPerson,
    Recommendation,
    ReprisalAction,
    ReprisalCase,
    Response,
)
from dozor.visits.models import Report, Visit

SENT = (Report.Status.SENT, Report.Status.PUBLISHED)


def _liaison_path(user: AnyUser) -> str | None:
    """The authority path of a user of the authority portal (``portal.use``), else None."""
    staff = active_user(user)
    if staff is None or not can(staff, "portal.use") or staff.authority is None:
        return None
    return str(staff.authority.path)


def is_liaison(user: AnyUser) -> bool:
    """Whether the user works through the authority portal (an authority's liaison)."""
    return _liaison_path(user) is not None


def recommendations_visible_to(user: AnyUser) -> QuerySet[Recommendation]:
    path = _liaison_path(user)
    if path is not None:
        # Subqueries rather than joins: the same rows, but the planner can read the recommendations
        # through their indexes (a liaison's dashboard aggregates over many of them).
        subtree = Authority.objects.filter(path__startswith=path).values("pk")
        places = Facility.objects.filter(authority__in=subtree).values("pk")
        addressed = Q(authority__in=subtree) | Q(facility__in=places)
        released = Q(report__isnull=True) | Q(report__in=Report.objects.filter(status__in=SENT).values("pk"))
        # withheld: the screening found a hit nobody has cleared yet (decision 0030)
        return Recommendation.objects.filter(addressed & released, withheld=False)
    if can(user, "recommendations.view"):  # the NPM's register
        return Recommendation.objects.all()
    return Recommendation.objects.none()


def reads_recommendations(user: AnyUser) -> bool:
    """The NPM's register of recommendations or, for a liaison, the authority portal."""
    return can(user, "recommendations.view") or is_liaison(user)


def can_manage(user: AnyUser) -> bool:
    """Issue and correct recommendations, change their status."""
    return can(user, "recommendations.issue")


def can_assess(user: AnyUser) -> bool:
    """Assess the authorities' responses."""
    return can(user, "recommendations.assess")


def can_manage_letters(user: AnyUser) -> bool:
    """Register and escalate letters."""
    return can(user, "letters.manage")


def reads_letters(user: AnyUser) -> bool:
    """The whole correspondence register or, for a liaison, the letters with its authority."""
    return can(user, "letters.view") or is_liaison(user)


def can_submit_responses(user: AnyUser) -> bool:
    return is_liaison(user) and can(user, "responses.submit")


def can_respond(user: AnyUser, recommendation: Recommendation) -> bool:
    """A liaison answers a recommendation it sees whose follow-up is not closed."""
    return (
        can_submit_responses(user)
        and not recommendation.status.closed
        and recommendations_visible_to(user).filter(pk=recommendation.pk).exists()
    )


def responses_visible_to(user: AnyUser) -> QuerySet[Response]:
    path = _liaison_path(user)
    if path is not None:
        return Response.objects.filter(
            authority__path__startswith=path, recommendation__in=recommendations_visible_to(user)
        )
    if can(user, "recommendations.view"):
        return Response.objects.all()
    return Response.objects.none()


def letters_visible_to(user: AnyUser) -> QuerySet[Letter]:
    path = _liaison_path(user)
    if path is not None:
        return Letter.objects.filter(
            Q(authority__path__startswith=path) | Q(facility__authority__path__startswith=path),
            withheld=False,  # the screening found a hit nobody has cleared yet (decision 0030)
        )
    if can(user, "letters.view"):
        return Letter.objects.all()
    return Letter.objects.none()


def reports_sent_to(user: AnyUser) -> QuerySet[Report]:
    """The final visit reports a liaison's authority received (the portal's report list)."""
    path = _liaison_path(user)
    if path is None:
        return Report.objects.none()
    # Only reports sent through the release gate (an approved version for the authority stored on
    # the report, docs/decisions/0020-release-gate.md): a report without one is not shown at all.
    return Report.objects.filter(
        status__in=SENT,
        visit__facility__authority__path__startswith=path,
        authority_release__has_key="sent",
    )


def reprisal_cases_visible_to(user: AnyUser) -> QuerySet[ReprisalCase]:
    staff = active_user(user)
    if staff is None or not can(staff, "reprisals.view"):
        return ReprisalCase.objects.none()
    if can(staff, "reprisals.manage"):
        return ReprisalCase.objects.all()
    # The place a case was raised at, or any place that held the person (the case follows them).
    raised = Q(facility__visits__team__user=staff)
    held = Q(person__locations__facility__visits__team__user=staff)
    return ReprisalCase.objects.filter(pk__in=ReprisalCase.objects.filter(raised | held).values("pk"))


def protected_persons_visible_to(user: AnyUser) -> QuerySet[ProtectedPerson]:
    """The persons of the cases the user sees (coordinators: all)."""
    staff = active_user(user)
    if staff is None or not can(staff, "reprisals.view"):
        return ProtectedPerson.objects.none()
    if can(staff, "reprisals.manage"):
        return ProtectedPerson.objects.all()
    return ProtectedPerson.objects.filter(pk__in=reprisal_cases_visible_to(staff).values("person_id"))


def reprisal_actions_visible_to(user: AnyUser) -> QuerySet[ReprisalAction]:
    return ReprisalAction.objects.filter(case__in=reprisal_cases_visible_to(user))


def can_read_identity(user: AnyUser, person: ProtectedPerson) -> bool:
    """Coordinators, and monitors on the case's team: the visit an open case came from, or a visit
    to a place where one of the person's open cases is checkable (they must find the person)."""
    staff = active_user(user)
    if staff is None or not can(staff, "reprisals.view"):
        return False
    if can(staff, "reprisals.manage"):
        return True
    cases = list(
        person.cases.exclude(state=ReprisalCase.State.CLOSED)
        .select_related("interview", "person")
        .prefetch_related("person__locations")
    )
    if not cases:
        return False
    places = {case.facility_id for case in cases} | {
        move.facility_id for move in person.locations.all() if move.facility_id
    }
    visits = list(Visit.objects.filter(team__user=staff, facility__in=places).distinct())
    for case in cases:
        for visit in visits:
            if case.interview is not None and case.interview.visit_id == visit.pk:
                return True
            if case.checkable_at(visit.facility_id, visit.started_on):
                return True
    return False


def _get(qs: QuerySet[Any], pk: int | str) -> Any:
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def recommendation_for_user(user: AnyUser, pk: int | str) -> Recommendation:
    return _get(
        recommendations_visible_to(user).select_related("status", "theme", "authority", "facility"), pk
    )


def letter_for_user(user: AnyUser, pk: int | str) -> Letter:
    return _get(letters_visible_to(user).select_related("authority", "facility"), pk)


def reprisal_case_for_user(user: AnyUser, pk: int | str) -> ReprisalCase:
    return _get(
        reprisal_cases_visible_to(user)
        .select_related("facility", "interview", "person__facility")
        .prefetch_related("person__locations"),
        pk,
    )


def protected_person_for_user(user: AnyUser, pk: int | str) -> ProtectedPerson:
    return _get(protected_persons_visible_to(user).select_related("facility"), pk)


def reprisal_action_for_user(user: AnyUser, pk: int | str) -> ReprisalAction:
    return _get(reprisal_actions_visible_to(user).select_related("case"), pk)


# --- the authority portal (dozor/recommendations/portal/views.py) ----------------------------------------


def response_for_user(user: AnyUser, pk: int | str) -> Response:
    return _get(
        responses_visible_to(user).select_related(
            "recommendation__status", "recommendation__facility", "recommendation__authority", "authority"
        ),
        pk,
    )


def response_attachment_for_user(user: AnyUser, pk: int | str) -> Any:
    """An attachment of a response the user sees (its authority's liaisons, NPM staff), else 404."""
    from dozor.recommendations.models import ResponseAttachment

    return _get(ResponseAttachment.objects.filter(response__in=responses_visible_to(user)), pk)


def sent_report_for_user(user: AnyUser, pk: int | str) -> Report:
    """A final visit report sent to the liaison's authority, else 404 (the portal's downloads)."""
    return _get(reports_sent_to(user).select_related("visit__facility"), pk)
