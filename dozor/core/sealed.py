"""Files encrypted at rest ("sealed") with the field-encryption key ring (``dozor.core.crypto``).

A model takes part by having one ``FileField`` and a ``BooleanField`` named ``sealed`` (today:
``visits.Evidence``); models are found generically, so this module names no app. A sealed file
is bound to its row (``<app>.<model>.<field>#<pk>``): copied onto another row, it does not open.
The row's ``sha256`` and ``size``, where it keeps them, describe the *plain* content: what is
served, and what ``dozor files verify`` checks after opening the file.

``files_seal`` (``dozor files seal``, and ``dozor keys rotate`` after the fields) seals the files
still stored in plain form and re-seals those sealed with an older key; each new file is written
under a new random name and the old one is removed once the row points to the new one.
See docs/decisions/0022-encryption-at-rest-and-retention.md.
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models, transaction

from dozor.core.crypto import (
    DecryptionError,
    Keyring,
    is_sealed,
    keyring,
    seal_bytes,
    sealed_key_id,
    unseal_bytes,
)

SEALED_FIELD = "sealed"


@dataclass
class SealReport:
    sealed: int = 0  # plain files sealed
    resealed: int = 0  # files re-sealed with the current key
    current: int = 0  # already sealed with the current key
    problems: list[str] = field(default_factory=list)


def file_field_of(model: type[models.Model]) -> models.FileField | None:
    """The model's file field if it takes part in sealing (one FileField and a ``sealed`` flag)."""
    meta = model._meta
    names = {f.name for f in meta.concrete_fields}
    files = [f for f in meta.concrete_fields if isinstance(f, models.FileField)]
    if SEALED_FIELD not in names or len(files) != 1:
        return None
    return files[0]


def sealed_models() -> list[tuple[type[models.Model], models.FileField]]:
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        file_field = file_field_of(model)
        if file_field is not None:
            found.append((model, file_field))
    return sorted(found, key=lambda item: item[0]._meta.label_lower)


def file_context(label: str, field_name: str, pk: Any) -> str:
    """What a sealed file is bound to: its row (``visits.evidence.file#42``)."""
    return f"{label}.{field_name}#{pk}"


def context_of(obj: models.Model, field_name: str = "file") -> str:
    if obj.pk is None:
        raise ValueError("a file is sealed only for a saved row (its id is part of the binding)")
    return file_context(obj._meta.label_lower, field_name, obj.pk)


def seal_for(
    obj: models.Model, content: bytes, *, field_name: str = "file", ring: Keyring | None = None
) -> bytes:
    """``content`` sealed for ``obj``'s row with the current key (its canary checked first)."""
    from dozor.core.canary import key_canary_ensure

    ring = ring or keyring()
    key_canary_ensure(ring)  # never write under a key id whose bytes changed
    return seal_bytes(content, context=context_of(obj, field_name), ring=ring)


def open_stored(blob: bytes, *, label: str, field_name: str, pk: Any, sealed: bool) -> bytes:
    """The plain content of stored bytes: unsealed when the row says they are sealed."""
    if not sealed:
        return blob
    return unseal_bytes(blob, context=file_context(label, field_name, pk))


def read_plain(obj: models.Model, field_name: str = "file") -> bytes:
    """The plain content of ``obj``'s file (FileNotFoundError if it is missing, DecryptionError if
    it cannot be opened with DOZOR_FIELD_KEYS)."""
    field_file = getattr(obj, field_name)
    with field_file.storage.open(field_file.name, "rb") as handle:
        blob = handle.read()
    return open_stored(
        blob,
        label=obj._meta.label_lower,
        field_name=field_name,
        pk=obj.pk,
        sealed=bool(getattr(obj, SEALED_FIELD)),
    )


def _new_name(old: str) -> str:
    folder, base = posixpath.split(old)
    extension = base.rpartition(".")[2] if "." in base else "bin"
    return posixpath.join(folder, f"{uuid.uuid4().hex}.{extension}")


def files_seal(*, dry_run: bool = False, say: Any = None) -> SealReport:
    """Seal every plain file and re-seal every file sealed with an older key (see the module
    docstring). A plain file whose bytes no longer match its row's SHA-256 is not sealed: it is
    named as a problem (``dozor files verify`` tells the same)."""
    ring = keyring()
    report = SealReport()
    written: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            for model, file_field in sealed_models():
                label = model._meta.label_lower
                has_hash = any(f.name == "sha256" for f in model._meta.concrete_fields)
                counts = {"sealed": 0, "resealed": 0, "current": 0}
                rows = model._base_manager.select_for_update().order_by("pk")
                for obj in rows.iterator(chunk_size=200):
                    name = getattr(obj, file_field.attname).name
                    if not name:
                        continue
                    storage = file_field.storage
                    try:
                        with storage.open(name, "rb") as handle:
                            blob = handle.read()
                    except FileNotFoundError:
                        report.problems.append(f"{label} #{obj.pk}: {name} is missing")
                        continue
                    was_sealed = bool(getattr(obj, SEALED_FIELD))
                    if was_sealed and sealed_key_id(blob) == ring.current:
                        counts["current"] += 1
                        continue
                    if not was_sealed and is_sealed(blob):
                        report.problems.append(f"{label} #{obj.pk}: {name} is sealed but its row says plain")
                        continue
                    try:
                        plain = open_stored(
                            blob, label=label, field_name=file_field.name, pk=obj.pk, sealed=was_sealed
                        )
                    except DecryptionError as exc:
                        report.problems.append(f"{label} #{obj.pk}: {name}: {exc}")
                        continue
                    if has_hash and hashlib.sha256(plain).hexdigest() != getattr(obj, "sha256", None):
                        report.problems.append(
                            f"{label} #{obj.pk}: {name} does not match its SHA-256; not sealed"
                        )
                        continue
                    counts["resealed" if was_sealed else "sealed"] += 1
                    if dry_run:
                        continue
                    sealed = seal_for(obj, plain, field_name=file_field.name, ring=ring)
                    new_name = storage.save(_new_name(name), ContentFile(sealed))
                    written.append((storage, new_name))
                    model._base_manager.filter(pk=obj.pk).update(
                        **{file_field.attname: new_name, SEALED_FIELD: True}
                    )
                    transaction.on_commit(partial(storage.delete, name))
                report.sealed += counts["sealed"]
                report.resealed += counts["resealed"]
                report.current += counts["current"]
                if say is not None:
                    say(
                        f"{label}: {counts['sealed']} plain files sealed, {counts['resealed']} re-sealed "
                        f"with key {ring.current}, {counts['current']} already under it"
                    )
    except BaseException:
        for storage, new_name in written:  # the rows still point to the old files
            storage.delete(new_name)
        raise
    return report
