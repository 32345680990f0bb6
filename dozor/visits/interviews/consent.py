"""Reading consent (``visits.Consent``): what a document may do with what a person said."""

from __future__ import annotations

from collections.abc import Iterable

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
