"""Reading consent (``visits.Consent``): what a document may do with what a person said."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser
from dozor.visits.access import interviews_visible_to
from dozor.visits.models import Consent, Interview


def uses_in_force(interview: Interview) -> set[str]:
    """The uses this person's consent allows now. Uses prefetched as ``consents`` are read from
    the prefetch (no query per interview)."""
    return {c.use for c in interview.consents.all() if c.in_force}


def allows(interview: Interview, use: str) -> bool:
    return use in uses_in_force(interview)


def quote_use(audience: str) -> str:
    """The consent use a quote needs for an audience: ``authority`` or ``public``."""
    return Consent.Use.QUOTE_AUTHORITY if audience == "authority" else Consent.Use.QUOTE_PUBLIC


def quotable(interviews: Iterable[Interview], audience: str) -> list[Interview]:
    use = quote_use(audience)
    return [i for i in interviews if i.excerpt.strip() and allows(i, use)]


# --- access (the same people as the interviews: coordinators and the visit's team) ---------------


def consents_visible_to(user: AnyUser) -> QuerySet[Consent]:
    return Consent.objects.filter(interview__in=interviews_visible_to(user))


def consent_for_user(user: AnyUser, pk: int | str) -> Consent:
    """A consent record the user may read (404 otherwise), with its interview and visit."""
    try:
        return consents_visible_to(user).select_related("interview__visit__facility").get(pk=pk)
    except (Consent.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def open_tasks_for(user: AnyUser) -> QuerySet[Consent]:
    """Withdrawals after sending that still need action (what the coordinators follow up)."""
    return (
        consents_visible_to(user)
        .filter(task_open=True)
        .select_related("interview__visit__facility", "withdrawn_recorded_by")
        .order_by("withdrawn_at", "pk")
    )


# --- what the interview page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class UseState:
    """One use as the interview page shows it: the current answer (if any) and its state."""

    use: str
    label: str
    state: str  # "given", "doubtful", "refused", "withdrawn", "not_asked"
    record: Consent | None


def use_states(interview: Interview) -> list[UseState]:
    """For every use, the record that answers it now: the one not withdrawn, else the latest
    withdrawn consent (a withdrawal stays visible), else nothing (not asked)."""
    records = list(interview.consents.all())  # ordered by use, newest first
    states = []
    for use, label in Consent.Use.choices:
        mine = [c for c in records if c.use == use]
        current = next((c for c in mine if c.withdrawn_at is None), None)
        if current is not None:
            state = ("given" if current.in_force else "doubtful") if current.granted else "refused"
            states.append(UseState(use, str(label), state, current))
            continue
        withdrawn = next((c for c in mine if c.granted), None)
        if withdrawn is not None:
            states.append(UseState(use, str(label), "withdrawn", withdrawn))
        else:
            states.append(UseState(use, str(label), "not_asked", None))
    return states
