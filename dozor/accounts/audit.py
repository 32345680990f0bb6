"""Writing the audit log. Services call these; nothing is audited through model signals."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from dozor.accounts.audit_chain import GENESIS, HASHED_FIELDS, audit_chain_lock, audit_hash, json_stored
from dozor.accounts.models import AuditEvent, User


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]  # order matters (e.g. a question's choices)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def sealed_mark(context: str, value: Any) -> str:
    """What the audit log keeps of a value encrypted at rest: never the text, only a keyed
    fingerprint (HMAC with SECRET_KEY) that shows whether it changed (docs/decisions/0022)."""
    if value is None or value == "":
        return ""
    from django.conf import settings

    digest = hmac.new(settings.SECRET_KEY.encode(), f"{context}|{value}".encode(), hashlib.sha256)
    return f"[encrypted {digest.hexdigest()[:12]}]"


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-friendly data (foreign keys as ids). A field
    encrypted at rest is kept as a fingerprint only (``sealed_mark``): the audit log must not hold
    in plain what the row holds encrypted."""
    from dozor.core.fields import EncryptedTextField

    result: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, EncryptedTextField):
            result[field.attname] = sealed_mark(f"{field.context()}#{obj.pk}", value)
            continue
        result[field.attname] = _plain(value)
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None and actor.pk else "")[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=json_stored({k: _plain(v) for k, v in (changes or {}).items()}),
        ip_address=ip_address,
    )
    # Appended to the hash chain one at a time: the lock is held until the caller's transaction ends.
    with transaction.atomic():
        audit_chain_lock()
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        event.seq = last["seq"] + 1 if last else 1
        event.prev_hash = last["hash"] if last else GENESIS
        event.hash = audit_hash({name: getattr(event, name) for name in HASHED_FIELDS})
        event.save(force_insert=True)
    return event
