"""Optimistic concurrency: no edit overwrites another one unseen (docs/decisions/0016-no-lost-update.md).

Every row with an edit form or an API update carries a ``revision`` that grows by one with every
save through its service. An edit names the revision it was based on; the service compares it with
the row it locked and writes the next revision with ``UPDATE ... WHERE revision = N``
(``revision_claim``), so two concurrent saves cannot both pass, on PostgreSQL and SQLite alike.
A stale edit raises ``StaleRevision`` and writes nothing: pages answer 409 with the editor's input
kept and the current values beside it (``EditConflict``), the API answers 409 with the current
representation.

A service changing a row with a revision reads it under a lock, calls ``revision_check`` before
validating (a stale edit is refused first, whatever else is wrong with it) and ``revision_claim``
when it writes something (the compare-and-set that makes the check hold under concurrency).

This module lives in ``core`` because every app with an edit form depends on it; it does not read
the audit log (an app above core), so a conflict says when the current version was saved (the
row's ``updated_at`` where it has one), not by whom: the audit log answers that.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _


class StaleRevision(ValidationError):
    """Somebody saved the row after the editor loaded it: nothing was written.

    ``current`` is the row as it is now (the other person's values); ``changed_at`` is when it
    was last saved, where the row records that."""

    def __init__(self, *, current: models.Model) -> None:
        super().__init__(
            _(
                "Somebody else saved this while you were editing it. Your changes were not saved: "
                "compare them with the current values below and save again."
            ),
            code="stale",
        )
        self.current = current
        self.current_revision: int = current.revision  # type: ignore[attr-defined]
        changed_at = getattr(current, "updated_at", None)
        self.changed_at: datetime.datetime | None = (
            changed_at if isinstance(changed_at, datetime.datetime) else None
        )


def revision_check(current: models.Model, *, base_revision: int | None) -> None:
    """Refuse early (before validating the input) when ``current``, the row the service has just
    locked, is no longer at ``base_revision``; ``None`` (an API client that sent no revision)
    passes."""
    if base_revision is not None and base_revision != current.revision:  # type: ignore[attr-defined]
        raise StaleRevision(current=current)


def revision_claim(obj: models.Model, *, base_revision: int | None) -> None:
    """Move ``obj``'s row to the next revision inside the caller's transaction, or raise.

    With ``base_revision`` the row is moved only from that revision (an atomic compare-and-set);
    without it (an API client that sent none) it is moved from whatever it holds. Call it once per
    save that changes something, before or after writing the fields; an exception rolls the whole
    service back."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    if base_revision is not None:
        rows = rows.filter(revision=base_revision)
    if not rows.update(revision=F("revision") + 1):
        current = type(obj)._default_manager.get(pk=obj.pk)
        raise StaleRevision(current=current)
    if base_revision is not None:
        obj.revision = base_revision + 1  # type: ignore[attr-defined]
    else:
        obj.revision = rows.values_list("revision", flat=True).get()  # type: ignore[attr-defined]


# --- forms ---------------------------------------------------------------------------------------


class RevisionField(forms.IntegerField):
    """The hidden revision an edit form was loaded with. The page always sends it; a post without
    it (a script) is taken as "no revision" and saved unconditionally, as the API does."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def revision_field_add(form: forms.BaseForm, instance: models.Model) -> None:
    """Give an edit form the hidden revision of ``instance`` (kept from the POST when bound)."""
    form.fields["revision"] = RevisionField()
    form.initial.setdefault("revision", instance.revision)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ConflictRow:
    label: str
    current: str
    yours: str


@dataclass(frozen=True)
class EditConflict:
    """What a 409 page shows: the message, the current revision and when it was saved, and each
    field whose current value differs from the editor's."""

    message: str
    revision: int
    changed_at: datetime.datetime | None
    rows: list[ConflictRow] = field(default_factory=list)


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _choice_labels(field: forms.Field) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, label in getattr(field, "choices", ()):
        if isinstance(label, list | tuple):  # an optgroup
            for sub_key, sub_label in label:
                labels[str(sub_key)] = str(sub_label)
        else:
            labels[str(key)] = str(label)
    return labels


def _shown(field: forms.Field, value: Any) -> str:
    """``value`` (a cleaned value or an initial one) as the form would show it, for comparing
    and displaying."""
    if (
        value is None
        or value == ""
        or (isinstance(value, Iterable) and not isinstance(value, str) and not value)
    ):
        return "—"
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, forms.ModelChoiceField):
        items = list(value) if isinstance(field, forms.ModelMultipleChoiceField) else [value]
        if isinstance(items[0] if items else None, models.Model):
            found = items
        else:
            keys = [getattr(item, "pk", item) for item in items]
            found = list(field.queryset.filter(pk__in=keys)) if field.queryset is not None else []
        return ", ".join(sorted(str(field.label_from_instance(obj)) for obj in found)) or "—"
    if hasattr(field, "choices"):
        labels = _choice_labels(field)
        items = list(value) if isinstance(value, list | tuple | set) else [value]
        return ", ".join(sorted(labels.get(str(item), str(item)) for item in items))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _normal(str(value))


def edit_conflict(form: forms.BaseForm, stale: StaleRevision, current: Mapping[str, Any]) -> EditConflict:
    """The conflict of a parsed ``form`` with ``current``, the initial values of a form for the
    row as it is now."""
    rows = []
    for name, form_field in form.fields.items():
        if name == "revision" or name not in form.cleaned_data:
            continue
        theirs = _shown(form_field, current.get(name))
        yours = _shown(form_field, form.cleaned_data[name])
        if theirs != yours:
            rows.append(ConflictRow(label=str(form_field.label or name), current=theirs, yours=yours))
    return EditConflict(
        message=str(stale.messages[0]),
        revision=stale.current_revision,
        changed_at=stale.changed_at,
        rows=rows,
    )
