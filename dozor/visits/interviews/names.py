"""The names screening looks for in a text that leaves the NPM (``dozor.core.screening``): every
person of the registry and every part of the identities recorded for a visit's interviewees.

Read by the release gate (publishing) and by the screening of recommendations and letters
(recommendations), both above visits: one definition, so that both look for the same names."""

from __future__ import annotations

from dataclasses import dataclass, field

from dozor.core.screening import identity_parts
from dozor.people.models import Person
from dozor.visits.models import Interview


@dataclass
class NameSources:
    candidates: list[str]  # names whose grammatical forms the detectors look for
    interview_ids: list[int] = field(default_factory=list)  # identities decrypted (the caller audits)
    identities: set[str] = field(default_factory=set)  # parts of recorded identities, matched exactly


def name_sources(visit_id: int | None) -> NameSources:
    """The registry's names, and for ``visit_id`` the parts of its interviewees' recorded
    identities (decrypted: the caller records which interviews it read)."""
    sources = NameSources(
        candidates=[
            " ".join(p for p in (last, first, patronymic) if p)
            for last, first, patronymic in Person.objects.values_list("last_name", "first_name", "patronymic")
        ]
    )
    if visit_id is None:
        return sources
    for interview in Interview.objects.filter(visit_id=visit_id).only("id", "identity"):
        identity = interview.identity or ""
        if not identity.strip():
            continue
        sources.interview_ids.append(interview.pk)
        for part in identity_parts(identity):
            sources.candidates.append(part)
            if len(part) >= 3:
                sources.identities.add(" ".join(part.split()))
    return sources
