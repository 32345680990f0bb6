"""Who sees and runs training. Coordinators and trainers run it; council members and monitors
read it (monitors also evaluate events they attended); liaisons and anonymous users see nothing,
except the public certificate check, which reveals only what the certificate itself states."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, can
from dozor.training.models import (
    Certificate,
    Competency,
    CompetencyGrant,
    Enrolment,
    Event,
    Material,
    Programme,
    Session,
)


def programmes_visible_to(user: AnyUser) -> QuerySet[Programme]:
    return Programme.objects.all() if can(user, "training.view") else Programme.objects.none()


def events_visible_to(user: AnyUser) -> QuerySet[Event]:
    return Event.objects.all() if can(user, "training.view") else Event.objects.none()


def sessions_visible_to(user: AnyUser) -> QuerySet[Session]:
    return Session.objects.filter(event__in=events_visible_to(user))


def enrolments_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(event__in=events_visible_to(user))


def materials_visible_to(user: AnyUser) -> QuerySet[Material]:
    return Material.objects.filter(session__in=sessions_visible_to(user))


def certificates_visible_to(user: AnyUser) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enrolment__in=enrolments_visible_to(user))


def competencies_visible_to(user: AnyUser) -> QuerySet[Competency]:
    return Competency.objects.all() if can(user, "training.view") else Competency.objects.none()


def grants_visible_to(user: AnyUser) -> QuerySet[CompetencyGrant]:
    return CompetencyGrant.objects.all() if can(user, "training.view") else CompetencyGrant.objects.none()


def _get(qs: QuerySet[Any], pk: int | str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def programme_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Programme:
    programme = _get(programmes_visible_to(user), pk)
    if write and not can(user, "training.manage"):
        raise PermissionDenied
    return programme


def event_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Event:
    event = _get(events_visible_to(user).select_related("programme", "region"), pk)
    if write and not can(user, "training.manage"):
        raise PermissionDenied
    return event


def session_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Session:
    session = _get(sessions_visible_to(user).select_related("event", "trainer"), pk)
    if write and not can(user, "training.manage"):
        raise PermissionDenied
    return session


def enrolment_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Enrolment:
    enrolment = _get(enrolments_visible_to(user).select_related("event", "person"), pk)
    if write and not can(user, "training.manage"):
        raise PermissionDenied
    return enrolment


def material_for_user(user: AnyUser, pk: int | str) -> Material:
    return _get(materials_visible_to(user).select_related("session__event"), pk)
