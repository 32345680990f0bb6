"""Key canaries: a key id whose bytes are wrong is refused before it reads or writes anything.

The first time a key id encrypts a value, a known text encrypted under it is stored
(``KeyCanary``). Afterwards:

- every write through an encrypted field first checks that the current key still decrypts its
  canary (``key_canary_ensure``, once per process and key), so values are never written under
  the wrong bytes, whatever server runs the code (runserver, gunicorn, a command);
- start-up refuses a key ring that does not decrypt its canaries (``key_canary_problems``): the
  system check ``dozor.E001`` (runserver, migrate, check and every command that runs checks) and
  ``dozor/wsgi.py`` (gunicorn).

A key id seen for the first time is compared with a value already stored under it, if any (a
database from before the canaries existed), so the canary is never made with the wrong bytes.
See docs/decisions/0015-keys-audit-backups.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast

from dozor.core.crypto import PREFIX, DecryptionError, Keyring, decrypt, encrypt, keyring

logger = logging.getLogger("dozor.keys")

CANARY_TEXT = "dozor-key-canary"
CANARY_CONTEXT = "core.keycanary.token"

# (database name, key id, key bytes) already checked by this process.
_verified: set[tuple[str, str, bytes]] = set()


class KeyCanaryError(ImproperlyConfigured):
    """The configured bytes of a key id do not decrypt what was encrypted under that id."""


def encrypted_fields() -> list[tuple[type[models.Model], list[Any]]]:
    """Every model with encrypted fields, found generically (no app is named here)."""
    from dozor.core.fields import EncryptedTextField

    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        # local fields only: a parent's fields are handled once, with the parent model
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label_lower)


def raw_values(model: type[models.Model], fields: list[Any]) -> Iterator[tuple[Any, dict[str, str]]]:
    """(pk, {field name: stored text}) per row, read as plain text so that nothing is decrypted:
    the cast's output field is a plain TextField, which has no ``from_db_value``."""
    aliases = {f"dozor_raw_{field.attname}": field for field in fields}
    rows = (
        model._base_manager.order_by("pk")
        .annotate(**{alias: Cast(field.attname, models.TextField()) for alias, field in aliases.items()})
        .values_list("pk", *aliases)
    )
    for pk, *stored in rows.iterator(chunk_size=2000):
        yield pk, {field.attname: value or "" for field, value in zip(aliases.values(), stored, strict=True)}


def _refusal(key_id: str, what: str) -> str:
    return (
        f"DOZOR_FIELD_KEYS: key {key_id!r} does not decrypt {what}: its bytes are not those it had "
        f"when it first encrypted data. Put back the right key for id {key_id!r} (from your secret "
        f"store); a new key needs a new id (dozor keys new). Nothing was written."
    )


def _decrypts(token: str, ring: Keyring, context: str) -> bool:
    try:
        decrypt(token, context=context, ring=ring)
    except DecryptionError:
        return False
    return True


def _stored_sample(key_id: str) -> tuple[str, str, str] | None:
    """One value stored under ``key_id`` in any encrypted field: (label, context, token)."""
    for model, fields in encrypted_fields():
        for field in fields:
            token = (
                model._base_manager.annotate(dozor_raw=Cast(field.attname, models.TextField()))
                .filter(dozor_raw__startswith=f"{PREFIX}:{key_id}:")
                .values_list("dozor_raw", flat=True)
                .first()
            )
            if token:
                return f"{model._meta.label_lower}.{field.name}", field.context(), token
    return None


def _key_problem(key_id: str, ring: Keyring) -> str:
    from dozor.core.models import KeyCanary

    token = KeyCanary.objects.filter(key_id=key_id).values_list("token", flat=True).first()
    if token is not None:
        return "" if _decrypts(token, ring, CANARY_CONTEXT) else _refusal(key_id, "its stored canary")
    sample = _stored_sample(key_id)
    if sample is not None and not _decrypts(sample[2], ring, sample[1]):
        return _refusal(key_id, f"the values stored under it ({sample[0]})")
    return ""


def key_canary_problems(ring: Keyring | None = None) -> list[str]:
    """Why the key ring must not be used (empty when every key matches its canary). Reads only."""
    ring = ring or keyring()
    return [problem for key_id in ring.keys if (problem := _key_problem(key_id, ring))]


def key_canary_ensure(ring: Keyring | None = None) -> None:
    """Before a value is encrypted with the current key: refuse (``KeyCanaryError``) if that key
    does not decrypt its canary; store the canary the first time the key id is used."""
    from dozor.core.models import KeyCanary

    ring = ring or keyring()
    key_id = ring.current
    marker = (str(connection.settings_dict["NAME"]), key_id, ring.keys[key_id])
    if marker in _verified:
        return
    problem = _key_problem(key_id, ring)
    if problem:
        raise KeyCanaryError(problem)
    # get_or_create in its own savepoint: two first writers at once store one canary between them.
    with transaction.atomic():
        canary, _created = KeyCanary.objects.get_or_create(
            key_id=key_id, defaults={"token": encrypt(CANARY_TEXT, context=CANARY_CONTEXT, ring=ring)}
        )
    if not _decrypts(canary.token, ring, CANARY_CONTEXT):
        raise KeyCanaryError(_refusal(key_id, "its stored canary"))
    _verified.add(marker)


def key_canary_forget() -> None:
    """Forget what this process checked (after a restore, and between tests)."""
    _verified.clear()


def key_canary_refuse_start() -> None:
    """For servers that run no system checks (gunicorn, dozor/wsgi.py): raise ``KeyCanaryError``
    if a key does not decrypt its canary. A database that cannot be read yet (down, not migrated)
    is only logged: writes are still checked one by one."""
    try:
        problems = key_canary_problems()
    except DatabaseError:
        logger.warning("the key canaries could not be read at start-up; writes will check them")
        return
    if problems:
        raise KeyCanaryError("\n".join(problems))
