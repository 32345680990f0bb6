"""Field encryption at rest: AES-256-GCM with keys from the environment, and key rotation.

``DOZOR_FIELD_KEYS`` holds one or more keys as ``id:base64(32 bytes)`` separated by commas; the
first is the current key (new values are encrypted with it), the others are kept only to read
older values until ``dozor keys rotate`` has re-encrypted them. A stored value is the text
``enc1:<key id>:<base64(nonce | ciphertext+tag)>``; the key id and the field's name (associated
data) are authenticated, so a value copied into another field does not decrypt.

Without ``DOZOR_FIELD_KEYS`` outside production, a fixed development key is used (and said so by
``dozor check``); in production the setting is required.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dozor.env import DEV_FIELD_KEY

PREFIX = "enc1"
DEV_KEY_ID = "dev"
DEV_KEY = base64.b64encode(DEV_FIELD_KEY).decode()  # public: refused in production (dozor.env)


class DecryptionError(Exception):
    """The value cannot be decrypted: unknown key id, wrong field, or tampered data."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]


def parse_keys(raw: str) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id or not key_id.isalnum():
            raise ImproperlyConfigured("DOZOR_FIELD_KEYS: each key is id:base64, the id letters and digits")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"DOZOR_FIELD_KEYS: key {key_id} is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"DOZOR_FIELD_KEYS: key {key_id} must be 32 bytes (AES-256)")
        if key_id in keys:
            raise ImproperlyConfigured(f"DOZOR_FIELD_KEYS: key id {key_id} is given twice")
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("DOZOR_FIELD_KEYS: no key given")
    return Keyring(current=order[0], keys=keys)


def keyring() -> Keyring:
    raw = getattr(settings, "DOZOR_FIELD_KEYS", "") or os.environ.get("DOZOR_FIELD_KEYS", "")
    if not raw:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("DOZOR_FIELD_KEYS must be set in production")
        raw = f"{DEV_KEY_ID}:{DEV_KEY}"
    return parse_keys(raw)


def new_key() -> str:
    """A fresh random key, base64 (for ``dozor keys new``)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def encrypt(plaintext: str, *, context: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(12)
    data = AESGCM(ring.keys[ring.current]).encrypt(
        nonce, plaintext.encode("utf-8"), f"{ring.current}|{context}".encode()
    )
    return f"{PREFIX}:{ring.current}:{base64.b64encode(nonce + data).decode()}"


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str | None:
    return value.split(":", 2)[1] if is_encrypted(value) else None


def decrypt(token: str, *, context: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    try:
        prefix, key_id, encoded = token.split(":", 2)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix != PREFIX or key_id not in ring.keys:
        raise DecryptionError(f"unknown key {key_id!r}")
    try:
        raw = base64.b64decode(encoded, validate=True)
        if len(raw) < 12 + 16:
            raise DecryptionError("the value is too short")
        plain = AESGCM(ring.keys[key_id]).decrypt(raw[:12], raw[12:], f"{key_id}|{context}".encode())
        return plain.decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("the value was changed or belongs to another field") from exc
    except ValueError as exc:  # bad base64 or not UTF-8
        raise DecryptionError("the value is damaged") from exc


# --- sealed files ---------------------------------------------------------------------------------
# A sealed file is ``SEAL_MAGIC | len(key id) (1 byte) | key id | nonce (12) | ciphertext+tag``,
# encrypted with the same key ring as the fields. The associated data binds the bytes to the
# header and to their ``context`` (the row they belong to, e.g. ``visits.evidence.file#42``): a
# sealed file copied onto another row, or whose header was edited, does not open.

SEAL_MAGIC = b"DZSEAL1\n"


def _seal_aad(key_id: str, context: str) -> bytes:
    return SEAL_MAGIC + f"{key_id}|{context}".encode()


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(SEAL_MAGIC)


def sealed_key_id(blob: bytes) -> str | None:
    """The key id in a sealed file's header (None for bytes that are not sealed)."""
    if not is_sealed(blob) or len(blob) < len(SEAL_MAGIC) + 1:
        return None
    length = blob[len(SEAL_MAGIC)]
    key_id = blob[len(SEAL_MAGIC) + 1 : len(SEAL_MAGIC) + 1 + length]
    try:
        return key_id.decode("ascii")
    except UnicodeDecodeError:
        return None


def seal_bytes(data: bytes, *, context: str, ring: Keyring | None = None) -> bytes:
    """``data`` encrypted with the current key (AES-256-GCM), with its key id in the header."""
    ring = ring or keyring()
    key_id = ring.current.encode("ascii")
    nonce = os.urandom(12)
    body = AESGCM(ring.keys[ring.current]).encrypt(nonce, data, _seal_aad(ring.current, context))
    return SEAL_MAGIC + bytes([len(key_id)]) + key_id + nonce + body


def unseal_bytes(blob: bytes, *, context: str, ring: Keyring | None = None) -> bytes:
    """The plain bytes of a sealed file; DecryptionError if the key is unknown, the file belongs to
    another context, or a byte was changed."""
    ring = ring or keyring()
    key_id = sealed_key_id(blob)
    if key_id is None:
        raise DecryptionError("not a sealed file")
    if key_id not in ring.keys:
        raise DecryptionError(f"unknown key {key_id!r}")
    start = len(SEAL_MAGIC) + 1 + len(key_id)
    if len(blob) < start + 12 + 16:
        raise DecryptionError("the sealed file is too short")
    try:
        return AESGCM(ring.keys[key_id]).decrypt(
            blob[start : start + 12], blob[start + 12 :], _seal_aad(key_id, context)
        )
    except InvalidTag as exc:
        raise DecryptionError("the sealed file was changed or belongs to another row") from exc
