"""Screening of the recommendations and letters the authority reads (docs/decisions/0030).

The inspected authority reads recommendation texts (liaison portal, its e-mail digests, its API
and exports) and the letters exchanged with it (subject and summary). Before any of these reaches
it, the text is screened with the release gate's toolkit (``dozor.core.screening``) for what could
identify a person: an IIN, a phone number, a name of the registry, the recorded identity of an
interviewee of the visit the text comes from, an exact cell or room (the pack's location
precision) or a cell with a date. Names nobody gave, addresses and health words are not hits here:
recommendations speak of medical care and letters name officials and places every day, and a hit
that is always cleared teaches people to clear without reading.

Rules:

- Each issue or correction of a recommendation, and each letter registered or escalated, is
  screened at once; the hits are stored on the row (kind, field, offsets and a keyed fingerprint,
  never the text). A row with a hit not cleared is **withheld**: the authority does not see it
  (``access.recommendations_visible_to`` / ``letters_visible_to``) and the NPM's pages and API say
  why, listing each hit.
- A hit is cleared by a person who may issue recommendations (letters: register letters) and who
  is **not an author** of the text (who created it or changed it, from the audit log): four eyes.
  The clearance is keyed on the hit's kind and text, so it survives unrelated edits, and is
  audited without the text. Editing the hit away needs nobody else.
- Interviewees' identities are decrypted to be looked for; each decryption is audited as a read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User
from dozor.core.screening import KIND_LABELS, names_present, screen
from dozor.recommendations.access import can_manage, can_manage_letters
from dozor.recommendations.models import Letter, Recommendation, ScreeningClearance
from dozor.visits.interviews.names import name_sources

Target = ScreeningClearance.Target
Screened = Recommendation | Letter
# What blocks a text to the authority (module docstring: why not every kind of the detectors).
KINDS = ("iin", "phone", "person_name", "location", "cell_date")
FIELDS: dict[str, tuple[str, ...]] = {
    Target.RECOMMENDATION: ("text_kk", "text_ru", "text_en"),
    Target.LETTER: ("subject", "summary"),
}


@dataclass(frozen=True)
class Hit:
    field: str
    kind: str
    start: int
    end: int
    text: str
    cleared: ScreeningClearance | None

    @property
    def blocks(self) -> bool:
        return self.cleared is None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def target_of(obj: Screened) -> str:
    return Target.RECOMMENDATION if isinstance(obj, Recommendation) else Target.LETTER


def _model(target: str) -> type[Recommendation] | type[Letter]:
    return Recommendation if target == Target.RECOMMENDATION else Letter


def texts_of(obj: Screened) -> dict[str, str]:
    return {name: str(getattr(obj, name) or "") for name in FIELDS[target_of(obj)]}


def digest(kind: str, text: str) -> str:
    """A keyed fingerprint of a hit's text: what a clearance is matched on, without keeping it."""
    normal = " ".join(text.casefold().split())
    return hmac.new(
        settings.SECRET_KEY.encode(), f"screening|{kind}|{normal}".encode(), hashlib.sha256
    ).hexdigest()


def _visit_id(obj: Screened) -> int | None:
    if obj.report_id is None:
        return None
    from dozor.visits.models import Report

    return Report.objects.filter(pk=obj.report_id).values_list("visit_id", flat=True).first()


def _found(texts: dict[str, str], visit_id: int | None) -> tuple[list[tuple[str, Any]], list[int]]:
    """The hits in ``texts`` as (field, proposal), and the interviews whose identity was read."""
    joined = "\n".join(texts.values())
    sources = name_sources(visit_id)
    candidates, identities, interview_ids = sources.candidates, sources.identities, sources.interview_ids
    names = names_present(joined, candidates)
    found = [
        (name, proposal)
        for name, text in texts.items()
        if text
        for proposal in screen(
            text, names=names, identities=sorted(identities), kinds=KINDS, other_names=False
        )
    ]
    return found, interview_ids


def hits(obj: Screened) -> list[Hit]:
    """The stored hits of ``obj`` with their text and clearance (if any)."""
    if not obj.screening:
        return []  # no query for the many texts without a hit (lists)
    texts = texts_of(obj)
    target = target_of(obj)
    clearances = {
        (c.field, c.kind, c.digest): c
        for c in ScreeningClearance.objects.filter(target=target, target_id=obj.pk).select_related(
            "cleared_by"
        )
    }
    out = []
    for item in obj.screening or []:
        text = texts.get(item.get("field", ""), "")[item.get("start", 0) : item.get("end", 0)]
        if not text:
            continue
        cleared = clearances.get((item["field"], item["kind"], digest(item["kind"], text)))
        out.append(Hit(item["field"], item["kind"], item["start"], item["end"], text, cleared))
    return out


def screening_apply(*, actor: User | None, obj: Screened) -> Screened:
    """Screen ``obj``'s texts again (after it was created or its text changed), store the hits
    and whether it is withheld from the authority. Call inside the writing transaction."""
    target = target_of(obj)
    found, interview_ids = _found(texts_of(obj), _visit_id(obj))
    for interview_id in interview_ids:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            object_type="visits.interview",
            object_id=str(interview_id),
            changes={"fields": ["identity"], "purpose": "screening", target: obj.pk},
        )
    texts = texts_of(obj)
    obj.screening = [
        {
            "field": name,
            "kind": p.kind,
            "start": p.start,
            "end": p.end,
            "digest": digest(p.kind, p.text(texts[name])),
        }
        for name, p in found
    ]
    _store(actor=actor, obj=obj)
    return obj


def _store(*, actor: User | None, obj: Screened) -> None:
    before = bool(_model(target_of(obj)).objects.filter(pk=obj.pk).values_list("withheld", flat=True).first())
    obj.withheld = any(hit.blocks for hit in hits(obj))
    _model(target_of(obj)).objects.filter(pk=obj.pk).update(withheld=obj.withheld, screening=obj.screening)
    if before != obj.withheld or (obj.withheld and obj.screening):
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=obj,
            changes={
                "withheld": [before, obj.withheld],
                "screening": dict(Counter(item["kind"] for item in obj.screening)),
            },
        )


def authors(obj: Screened) -> set[int]:
    """Who wrote the text: who created the row and everyone who changed one of its screened
    texts (the audit log)."""
    fields = FIELDS[target_of(obj)]
    events = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action__in=(AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE),
        actor__isnull=False,
    ).values_list("action", "actor_id", "changes")
    ids = {
        actor_id
        for action, actor_id, changes in events
        if action == AuditEvent.Action.CREATE or any(name in (changes or {}) for name in fields)
    }
    if obj.created_by_id is not None:
        ids.add(obj.created_by_id)
    return ids


def can_clear(user: User, obj: Screened) -> bool:
    manages = can_manage(user) if isinstance(obj, Recommendation) else can_manage_letters(user)
    return manages and user.pk not in authors(obj)


@transaction.atomic
def screening_clear(
    *, actor: User, obj: Screened, field: str, kind: str, start: int, reason: str = ""
) -> ScreeningClearance:
    """A second person clears one hit: it may reach the authority as written."""
    target = target_of(obj)
    manages = can_manage(actor) if target == Target.RECOMMENDATION else can_manage_letters(actor)
    if not manages:
        raise PermissionDenied
    locked = _model(target).objects.select_for_update().get(pk=obj.pk)
    if actor.pk in authors(locked):
        raise ValidationError(
            _("A hit is cleared by a person other than the author of the text (four eyes)."), code="four_eyes"
        )
    hit = next((h for h in hits(locked) if (h.field, h.kind, h.start) == (field, kind, start)), None)
    if hit is None:
        raise ValidationError(_("This hit is no longer in the text."), code="gone")
    reason = reason.strip()[:300]
    clearance, created = ScreeningClearance.objects.get_or_create(
        target=target,
        target_id=locked.pk,
        field=field,
        kind=kind,
        digest=digest(kind, hit.text),
        defaults={"cleared_by": actor, "reason": reason},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=clearance,
            changes={
                "target": target,
                "target_id": locked.pk,
                "field": field,
                "kind": kind,
                "reason": reason,
            },
        )
    _store(actor=actor, obj=locked)
    obj.withheld, obj.screening = locked.withheld, locked.screening
    return clearance


def _field_label(obj: Screened, name: str) -> str:
    field = obj._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def withheld_message(obj: Screened) -> str:
    """Why ``obj`` does not reach the authority, listing each hit not cleared ("" if it does)."""
    blocking = [h for h in hits(obj) if h.blocks]
    if not blocking:
        return ""
    listed = "; ".join(
        _("%(kind)s “%(text)s” in %(field)s")
        % {
            "kind": KIND_LABELS.get(h.kind, h.kind),
            "text": h.text,
            "field": _field_label(obj, h.field),
        }
        for h in blocking
    )
    return _(
        "Not sent to the authority: the screening found what could identify a person (%(hits)s). "
        "Edit the text, or have a person other than its author clear each hit."
    ) % {"hits": listed}
