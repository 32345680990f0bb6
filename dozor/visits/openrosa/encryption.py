"""Encrypted ODK submissions: the form settings that turn encryption on, and decryption.

The format is ODK's (https://getodk.github.io/xforms-spec/encryption, as ODK Collect's
``EncryptionUtils`` writes it and ODK Briefcase and Central read it):

- ``submission.xml`` is a *manifest*: root ``<data id=... version=... encrypted="yes">`` with
  ``base64EncryptedKey`` (a random AES-256 key, RSA-OAEP with SHA-256 and MGF1-SHA-256 under the
  form's public key), ``media/file`` (the attachments, ``<name>.enc``, in the order they were
  encrypted), ``encryptedXmlFile`` (``submission.xml.enc``), ``base64EncryptedElementSignature``
  and ``meta/instanceID``. Collect writes it in the namespace
  ``http://www.opendatakit.org/xforms/encrypted``, the spec and Aggregate/Briefcase in
  ``http://opendatakit.org/submissions``: elements are found by local name.
- Each file is AES-256-CFB (128-bit segments) with PKCS#7 padding. The IVs come from
  ``md5(instanceID + key)``: before each file, byte ``n % 16`` of that seed is incremented
  (``n`` counting from 0), media files first, the XML last.
- The signature is the RSA-OAEP encryption of the MD5 of the lines form id, version (only when
  the manifest has one), encrypted key, instance ID, then ``<name>::<md5 hex>`` of each plain file
  in the same order (the XML as ``submission.xml``), each line ending with a newline.

Decryption refuses (``EncryptedSubmissionError``, a translated message) a missing file, a key that
is not Dozor's, a damaged file and a signature that does not match: nothing half-read is returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from dozor.core.formkeys import form_encryption_on, form_private_keys, form_public_key

XML_NAME = "submission.xml"
ENC_SUFFIX = ".enc"
AES_KEY_BYTES = 32
IV_BYTES = 16

# Collect asks Java for "RSA/NONE/OAEPWithSHA256AndMGF1Padding" from Bouncy Castle: SHA-256 for
# OAEP *and* MGF1 (what Central decrypts). Java's own provider, asked the same with a hyphen,
# keeps SHA-1 for MGF1 (as some web clients do): tried second, so both open.
_OAEP_PADDINGS = (
    OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA256(), label=None),
)


class EncryptedSubmissionError(Exception):
    """An encrypted submission that cannot be opened; ``message`` is translated for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DecryptedSubmission:
    xml: bytes
    media: dict[str, bytes] = field(default_factory=dict)
    instance_id: str = ""


@dataclass(frozen=True)
class Manifest:
    form_id: str
    version: str | None
    instance_id: str
    encrypted_key: str
    xml_file: str
    media_files: list[str]
    signature: str


def form_settings() -> dict[str, str]:
    """XLSForm settings that make a form encrypted (``public_key``), or ``{}`` when form
    encryption is off (``DOZOR_FORM_ENCRYPTION``)."""
    if not form_encryption_on():
        return {}
    return {"public_key": form_public_key()}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _text(element: Element, name: str) -> str:
    found = next(_children(element, name), None)
    return "".join(found.itertext()).strip() if found is not None else ""


def _root(xml: bytes) -> Element | None:
    try:
        return SafeET.fromstring(xml)
    except (ParseError, DefusedXmlException, ValueError):
        return None


def is_encrypted_manifest(xml: bytes) -> bool:
    """Whether ``xml`` is the manifest of an encrypted submission (root ``encrypted="yes"``)."""
    root = _root(xml)
    return root is not None and (root.get("encrypted") or "").strip().lower() == "yes"


def parse_manifest(xml: bytes) -> Manifest:
    root = _root(xml)
    if root is None or (root.get("encrypted") or "").strip().lower() != "yes":
        raise EncryptedSubmissionError(_("The submission is not an encrypted ODK submission."))
    instance_id = ""
    for meta in _children(root, "meta"):
        instance_id = _text(meta, "instanceID")
    # Aggregate and Briefcase keep it as an attribute of the root as well.
    instance_id = instance_id or (root.get("instanceID") or "").strip()
    manifest = Manifest(
        form_id=(root.get("id") or "").strip(),
        version=root.get("version"),
        instance_id=instance_id,
        encrypted_key=_text(root, "base64EncryptedKey"),
        xml_file=_text(root, "encryptedXmlFile"),
        media_files=[_text(media, "file") for media in _children(root, "media")],
        signature=_text(root, "base64EncryptedElementSignature"),
    )
    missing = [
        name
        for name, value in (
            ("id", manifest.form_id),
            ("instanceID", manifest.instance_id),
            ("base64EncryptedKey", manifest.encrypted_key),
            ("encryptedXmlFile", manifest.xml_file),
            ("base64EncryptedElementSignature", manifest.signature),
        )
        if not value
    ]
    if missing or not all(manifest.media_files):
        raise EncryptedSubmissionError(
            _("The encrypted submission's manifest is incomplete (missing: %(names)s).")
            % {"names": ", ".join(missing) or "media/file"}
        )
    return manifest


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncryptedSubmissionError(
            _("The encrypted submission is damaged: %(what)s is not base64.") % {"what": what}
        ) from exc


def _unwrap_key(encrypted_key: bytes, keys: list[rsa.RSAPrivateKey]) -> tuple[bytes, rsa.RSAPrivateKey, OAEP]:
    """The submission's AES key, with the private key and padding that opened it."""
    for private_key in keys:
        for oaep in _OAEP_PADDINGS:
            try:
                key = private_key.decrypt(encrypted_key, oaep)
            except ValueError:
                continue
            if len(key) == AES_KEY_BYTES:
                return key, private_key, oaep
    raise EncryptedSubmissionError(
        _(
            "The encrypted submission cannot be opened with Dozor's form keys: it was made with "
            "another public key (a form exported elsewhere or from before a key was replaced)."
        )
    )


def submission_ivs(instance_id: str, key: bytes, count: int) -> list[bytes]:
    """The IV of each file in encryption order (media files, then the XML)."""
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())
    ivs = []
    for n in range(count):
        seed[n % IV_BYTES] = (seed[n % IV_BYTES] + 1) & 0xFF
        ivs.append(bytes(seed))
    return ivs


def decrypt_file(data: bytes, *, key: bytes, iv: bytes) -> bytes:
    """AES-256-CFB then PKCS#7 unpadding; ValueError when the bytes are not a file of this key."""
    if not data or len(data) % 16:
        raise ValueError("the encrypted length is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def signature_source(manifest: Manifest, plain_files: list[tuple[str, bytes]]) -> bytes:
    lines = [manifest.form_id]
    if manifest.version is not None:
        lines.append(manifest.version)
    lines += [manifest.encrypted_key, manifest.instance_id]
    lines += [f"{name}::{hashlib.md5(data).hexdigest()}" for name, data in plain_files]
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _plain_name(name: str) -> str:
    return name[: -len(ENC_SUFFIX)] if name.endswith(ENC_SUFFIX) else name


def decrypt_submission(
    manifest_xml: bytes,
    files: Mapping[str, bytes],
    *,
    keys: list[rsa.RSAPrivateKey] | None = None,
) -> DecryptedSubmission:
    """The plain submission XML and media of an encrypted submission (``files`` by the names the
    manifest gives: ``submission.xml.enc``, ``<media>.enc``), after checking its signature."""
    manifest = parse_manifest(manifest_xml)
    names = [*manifest.media_files, manifest.xml_file]
    absent = [name for name in names if name not in files]
    if absent:
        raise EncryptedSubmissionError(
            _("The encrypted submission is incomplete: the file(s) %(names)s are missing.")
            % {"names": ", ".join(absent)}
        )
    encrypted_key = _b64(manifest.encrypted_key, "base64EncryptedKey")
    signature = _b64(manifest.signature, "base64EncryptedElementSignature")
    aes_key, private_key, oaep = _unwrap_key(encrypted_key, keys if keys is not None else form_private_keys())
    plain: list[tuple[str, bytes]] = []
    for name, iv in zip(names, submission_ivs(manifest.instance_id, aes_key, len(names)), strict=True):
        try:
            data = decrypt_file(files[name], key=aes_key, iv=iv)
        except ValueError as exc:
            raise EncryptedSubmissionError(
                _("The encrypted file %(name)s is damaged or was changed: it does not decrypt.")
                % {"name": name}
            ) from exc
        plain.append((XML_NAME if name == manifest.xml_file else _plain_name(name), data))
    try:
        signed = private_key.decrypt(signature, oaep)
    except ValueError:
        signed = b""
    expected = hashlib.md5(signature_source(manifest, plain)).digest()
    if not hmac.compare_digest(signed, expected):
        raise EncryptedSubmissionError(
            _(
                "The encrypted submission's signature does not match its content: a file was "
                "changed, swapped or left out on the way."
            )
        )
    return DecryptedSubmission(xml=plain[-1][1], media=dict(plain[:-1]), instance_id=manifest.instance_id)
