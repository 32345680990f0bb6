"""The audit log as people read it: the object's kind in the reader's language, and changes as
"field: before → after" with verbose field names. Stored events stay as written (codes and ids)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import localize
from django.utils.translation import gettext as _

from dozor.accounts.models import AuditEvent, User

EMPTY = "—"


@dataclass(frozen=True)
class ChangeRow:
    field: str
    before: str | None  # None: not a before/after pair, ``after`` is the value
    after: str


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    kind: str
    label: str
    changes: list[ChangeRow]


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def _own_field(model: type[models.Model], key: str) -> models.Field[Any, Any] | None:
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    """The field ``key`` names: the object's own, else one of the rows that depend on it (a
    recommendation's status change is audited on the recommendation with its StatusChange's
    verification, visit and response)."""
    if model is None:
        return None
    field = _own_field(model, key)
    if field is not None:
        return field
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.related_model is not model:
            field = _own_field(relation.related_model, key)  # type: ignore[arg-type]
            if field is not None:
                return field
    return None


Names = dict[tuple[str, str], str]  # (model label, primary key) -> what the reader sees


def _related(field: models.Field[Any, Any] | None) -> type[models.Model] | None:
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return field.related_model  # type: ignore[return-value]
    return None


def _key_label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None:
        # a name Django made from the attribute ("created at") is looked up in the catalogue too
        return _(str(field.verbose_name))
    return key.replace("_", " ")


def _bookkeeping(field: models.Field[Any, Any] | None) -> bool:
    """Columns nobody edits (the id, timestamps, search text): not a change anyone made."""
    return field is not None and (field.primary_key or not field.editable)


def _value(value: Any, field: models.Field[Any, Any] | None = None, names: Names | None = None) -> str:
    if value is None or value == "":
        return EMPTY
    related = _related(field)
    if related is not None and names is not None and not isinstance(value, dict | list | tuple | bool):
        found = names.get((related._meta.label_lower, str(value)))
        if found is not None:
            return found
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        for code, label in field.flatchoices:
            if code == value:
                return str(label)
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_value(v)}" for k, v in value.items()) or EMPTY
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or EMPTY
    return str(localize(value))


def _pairs(event: AuditEvent) -> Iterator[tuple[str, Any]]:
    changes = event.changes if isinstance(event.changes, dict) else {"": event.changes}
    yield from changes.items()


def _is_pair(change: Any) -> bool:
    return isinstance(change, dict) and bool(change) and set(change) <= {"before", "after"}


def related_names(events: list[AuditEvent]) -> Names:
    """What the ids in these events' changes name (a status, a visit, a place), in the reader's
    language: one query per kind of related object on the page, never one per row."""
    wanted: dict[type[models.Model], set[str]] = {}
    for event in events:
        model = _model(event.object_type)
        for key, change in _pairs(event):
            related = _related(_field(model, key)) if key else None
            if related is None:
                continue
            values = [change.get("before"), change.get("after")] if _is_pair(change) else [change]
            wanted.setdefault(related, set()).update(
                str(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())
            )
    names: Names = {}
    for related, ids in wanted.items():
        if ids:
            for pk, obj in related._default_manager.in_bulk([int(pk) for pk in ids]).items():
                names[(related._meta.label_lower, str(pk))] = str(obj)
    return names


def change_rows(event: AuditEvent, names: Names | None = None) -> list[ChangeRow]:
    model = _model(event.object_type)
    rows = []
    for key, change in _pairs(event):
        field = _field(model, key)
        if _bookkeeping(field):
            continue
        label = _key_label(model, key) if key else ""
        if _is_pair(change):
            rows.append(
                ChangeRow(
                    label,
                    _value(change.get("before"), field, names),
                    _value(change.get("after"), field, names),
                )
            )
        else:
            rows.append(ChangeRow(label, None, _value(change, field, names)))
    return rows


def event_rows(events: list[AuditEvent]) -> list[EventRow]:
    """Rows of one page of events; users are named by their full name (one query for the page)."""
    user_ids = {e.object_id for e in events if e.object_type == "accounts.user" and e.object_id.isdigit()}
    names = {
        str(user.pk): user.get_full_name() or user.get_username()
        for user in User.objects.filter(pk__in=[int(pk) for pk in user_ids])
    }
    related = related_names(events)
    rows = []
    for event in events:
        model = _model(event.object_type)
        kind = str(model._meta.verbose_name) if model is not None else event.object_type.replace("_", " ")
        label = names.get(event.object_id) if event.object_type == "accounts.user" else None
        label = label or event.object_repr or (f"#{event.object_id}" if event.object_id else "")
        rows.append(
            EventRow(
                event=event,
                kind=kind[:1].upper() + kind[1:],
                label=label,
                changes=change_rows(event, related),
            )
        )
    return rows
