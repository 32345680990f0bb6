"""Who may see and change organisations, persons and their participation records.

Persons' contacts, eligibility declarations and conflicts of interest are private: only
coordinators see them (``people.view_private``). Liaisons and anonymous users see no one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, can
from dozor.people.models import ConflictOfInterest, Organisation, Participation, Person


def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    return Organisation.objects.all() if can(user, "people.view") else Organisation.objects.none()


def persons_visible_to(user: AnyUser) -> QuerySet[Person]:
    return Person.objects.all() if can(user, "people.view") else Person.objects.none()


def organisation_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Organisation:
    try:
        organisation = organisations_visible_to(user).select_related("region", "authority").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "people.edit"):
        raise PermissionDenied
    return organisation


def person_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Person:
    try:
        person = persons_visible_to(user).select_related("organisation", "region").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "people.edit"):
        raise PermissionDenied
    return person


def participations_visible_to(user: AnyUser) -> QuerySet[Participation]:
    return Participation.objects.all() if can(user, "people.view") else Participation.objects.none()


def conflicts_visible_to(user: AnyUser) -> QuerySet[ConflictOfInterest]:
    return (
        ConflictOfInterest.objects.all()
        if can(user, "people.view_private")
        else ConflictOfInterest.objects.none()
    )


def can_see_private(user: AnyUser) -> bool:
    return can(user, "people.view_private")


def participation_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Participation:
    try:
        participation = participations_visible_to(user).select_related("person", "region").get(pk=pk)
    except (Participation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "people.edit"):
        raise PermissionDenied
    return participation


def conflict_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> ConflictOfInterest:
    """Conflicts are private: invisible (404) to anyone without ``people.view_private``."""
    try:
        conflict = conflicts_visible_to(user).select_related("person", "authority", "facility").get(pk=pk)
    except (ConflictOfInterest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "people.edit"):
        raise PermissionDenied
    return conflict
