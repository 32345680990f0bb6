"""The audit log as people read it: the object's kind in the reader's language, and changes as
"field: before → after" with verbose field names. Stored events stay as written (codes and ids)."""

from __future__ import annotations

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


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return field
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _key_label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    return key.replace("_", " ")


def _value(value: Any, field: models.Field[Any, Any] | None = None) -> str:
    if value is None or value == "":
        return EMPTY
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


def change_rows(event: AuditEvent) -> list[ChangeRow]:
    model = _model(event.object_type)
    rows = []
    changes = event.changes if isinstance(event.changes, dict) else {"": event.changes}
    for key, change in changes.items():
        field = _field(model, key)
        label = _key_label(model, key) if key else ""
        if isinstance(change, dict) and set(change) <= {"before", "after"} and change:
            rows.append(
                ChangeRow(label, _value(change.get("before"), field), _value(change.get("after"), field))
            )
        else:
            rows.append(ChangeRow(label, None, _value(change, field)))
    return rows


def event_rows(events: list[AuditEvent]) -> list[EventRow]:
    """Rows of one page of events; users are named by their full name (one query for the page)."""
    user_ids = {e.object_id for e in events if e.object_type == "accounts.user" and e.object_id.isdigit()}
    names = {
        str(user.pk): user.get_full_name() or user.get_username()
        for user in User.objects.filter(pk__in=[int(pk) for pk in user_ids])
    }
    rows = []
    for event in events:
        model = _model(event.object_type)
        kind = str(model._meta.verbose_name) if model is not None else event.object_type.replace("_", " ")
        label = names.get(event.object_id) if event.object_type == "accounts.user" else None
        label = label or event.object_repr or (f"#{event.object_id}" if event.object_id else "")
        rows.append(
            EventRow(event=event, kind=kind[:1].upper() + kind[1:], label=label, changes=change_rows(event))
        )
    return rows
