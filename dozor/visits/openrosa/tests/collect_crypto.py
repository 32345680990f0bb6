"""Encrypt a submission the way ODK Collect does, for tests (an emulated Collect).

Written from the ODK encryption specification (https://getodk.github.io/xforms-spec/encryption)
and Collect's ``EncryptionUtils.java``, independently of ``dozor.visits.openrosa.encryption``: it
shares no code with the decryptor, so a mistake in either makes the round trip fail.
"""

from __future__ import annotations

import base64
import hashlib
import os
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

# Collect's manifest namespace (EncryptionUtils.XML_ENCRYPTED_TAG_NAMESPACE).
COLLECT_NS = "http://www.opendatakit.org/xforms/encrypted"
OPENROSA_NS = "http://openrosa.org/xforms"


def _public_key(public_key_b64: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(base64.b64decode(public_key_b64))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def _rsa(key: rsa.RSAPublicKey, data: bytes) -> bytes:
    # "RSA/NONE/OAEPWithSHA256AndMGF1Padding" from Bouncy Castle: SHA-256 for OAEP and MGF1.
    return key.encrypt(
        data,
        asym_padding.OAEP(
            mgf=asym_padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        ),
    )


def _pkcs7(data: bytes) -> bytes:
    pad = 16 - len(data) % 16
    return data + bytes([pad]) * pad


def encrypt_like_collect(
    xml: bytes,
    *,
    form_id: str,
    version: str | None,
    instance_id: str,
    public_key_b64: str,
    media: dict[str, bytes] | None = None,
    aes_key: bytes | None = None,
) -> dict[str, bytes]:
    """The multipart files Collect sends for an encrypted form: ``submission.xml`` (the
    manifest, sent as ``xml_submission_file``), ``submission.xml.enc`` and ``<media>.enc``."""
    media = media or {}
    public_key = _public_key(public_key_b64)
    key = aes_key or os.urandom(32)
    encrypted_key = base64.b64encode(_rsa(public_key, key)).decode("ascii")

    # EncryptedFormInformation: ivSeedArray = md5(instanceId bytes, then key bytes); getCipher()
    # increments ivSeedArray[ivCounter % 16] then ivCounter, before every file.
    iv_seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())
    counter = 0
    signature_lines = [form_id, *([version] if version is not None else []), encrypted_key, instance_id]
    out: dict[str, bytes] = {}

    def encrypt_file(name: str, data: bytes) -> None:
        nonlocal counter
        iv_seed[counter % 16] = (iv_seed[counter % 16] + 1) % 256
        counter += 1
        signature_lines.append(f"{name}::{hashlib.md5(data).hexdigest():0>32}")
        encryptor = Cipher(algorithms.AES(key), CFB(bytes(iv_seed))).encryptor()
        out[name + ".enc"] = encryptor.update(_pkcs7(data)) + encryptor.finalize()

    for name, data in media.items():  # media first, then the submission
        encrypt_file(name, data)
    encrypt_file("submission.xml", xml)

    source = "\n".join(signature_lines) + "\n"
    signature = base64.b64encode(_rsa(public_key, hashlib.md5(source.encode("utf-8")).digest())).decode()

    version_attr = f" version={quoteattr(version)}" if version is not None else ""
    media_xml = "".join(f"<media><file>{escape(name)}.enc</file></media>\n" for name in media)
    manifest = (
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<data xmlns="{COLLECT_NS}" id={quoteattr(form_id)}{version_attr} encrypted="yes">'
        f"<base64EncryptedKey>{encrypted_key}</base64EncryptedKey>"
        f'<orx:meta xmlns:orx="{OPENROSA_NS}"><orx:instanceID>{escape(instance_id)}</orx:instanceID></orx:meta>\n'
        f"{media_xml}"
        f"<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>"
        f"</data>"
    )
    return {"submission.xml": manifest.encode("utf-8"), **out}
