"""The NPM's key pair for encrypted ODK forms (decision 0027).

ODK Collect encrypts a finalised submission with the RSA public key its form carries (XLSForm
``public_key``); only the holder of the private key reads it. Dozor holds that private key itself,
encrypted at rest under the field keys (``FormKey.private_key`` is an ``EncryptedTextField``), so the
submissions are readable nowhere on the way: not on the phone after sending, not on a third-party
server, not in a copy of the database without ``DOZOR_FIELD_KEYS``.

The pair is made on first need (the first form exported or served with encryption on) or by
``dozor keys form-key``. ``--new`` replaces it (the old one is kept, no longer current, to open
submissions from forms still on the phones); ``--import`` takes the NPM's existing private key
(forms already deployed on ODK Central or Kobo with it).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dozor.core.models import FormKey

# The size the ODK documentation gives and every ODK tool is tested with (decision 0027).
KEY_BITS = 2048
MIN_IMPORT_BITS = 2048
# The contract with ODK Collect (issue 17): the server URL is <site>/openrosa/.
OPENROSA_SUBMISSION_PATH = "/openrosa/submission"

# Loaded private keys by fingerprint: parsing a PEM checks the key, which costs milliseconds.
_loaded: dict[str, rsa.RSAPrivateKey] = {}


class FormKeyError(ValueError):
    """A private key that cannot serve as the form key (not RSA, too short, not PEM)."""


def form_encryption_on() -> bool:
    return bool(getattr(settings, "DOZOR_FORM_ENCRYPTION", True))


def _public_b64(key: rsa.RSAPrivateKey) -> tuple[str, str]:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii"), hashlib.sha256(der).hexdigest()


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8, as ``openssl genrsa``/``genpkey`` write it)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise FormKeyError(f"not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise FormKeyError("not an RSA key: ODK forms use RSA")
    if key.key_size < MIN_IMPORT_BITS:
        raise FormKeyError(f"the key has {key.key_size} bits; at least {MIN_IMPORT_BITS} are needed")
    return key


@transaction.atomic
def form_key_create(*, private_pem: bytes | None = None) -> FormKey:
    """A new current form key (generated, or the given PEM); the previous current key is retired
    but kept. Importing a key already stored makes that one current again."""
    key = load_private_key(private_pem) if private_pem is not None else None
    if key is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_key, fingerprint = _public_b64(key)
    now = timezone.now()
    FormKey.objects.select_for_update().filter(current=True).exclude(fingerprint=fingerprint).update(
        current=False, retired_at=now
    )
    existing = FormKey.objects.filter(fingerprint=fingerprint).first()
    if existing is not None:
        existing.current = True
        existing.retired_at = None
        existing.save(update_fields=["current", "retired_at"])
        return existing
    return FormKey.objects.create(
        public_key=public_key, private_key=_pem(key), fingerprint=fingerprint, current=True, created_at=now
    )


def form_key_current(*, create: bool = True) -> FormKey | None:
    """The current form key; made on first need when ``create``."""
    found = FormKey.objects.filter(current=True).first()
    if found is not None or not create:
        return found
    try:
        with transaction.atomic():
            return form_key_create()
    except IntegrityError:  # another process made it at the same moment: use theirs
        return FormKey.objects.get(current=True)


def form_public_key() -> str:
    """The current public key as XLSForm's ``public_key`` wants it (base64 DER, no PEM lines)."""
    key = form_key_current()
    assert key is not None
    return key.public_key


def private_key_of(form_key: FormKey) -> rsa.RSAPrivateKey:
    loaded = _loaded.get(form_key.fingerprint)
    if loaded is None:
        loaded = load_private_key(form_key.private_key.encode("ascii"))
        _loaded[form_key.fingerprint] = loaded
    return loaded


def form_private_keys() -> list[rsa.RSAPrivateKey]:
    """Every form key's private key, the current one first (old forms may still be on phones)."""
    return [private_key_of(form_key) for form_key in FormKey.objects.all()]


def submission_url(site_url: str) -> str:
    return site_url.rstrip("/") + OPENROSA_SUBMISSION_PATH


def xlsform_settings(*, site_url: str, to_dozor: bool = True) -> dict[str, str]:
    """XLSForm settings for an encrypted form: ``public_key`` and, for forms sent straight to
    Dozor, ``submission_url``; empty when encryption is off."""
    if not form_encryption_on():
        return {}
    result = {"public_key": form_public_key()}
    if to_dozor and site_url:
        result["submission_url"] = submission_url(site_url)
    return result


# How an XLSForm is exported (the ``encryption`` parameter of the export page and API):
# "dozor" - encrypted, submissions sent to Dozor (the default); "key" - encrypted, for a form put on
# ODK Central or KoboToolbox (their exports are decrypted on import); "none" - a plain form.
EXPORT_MODES = ("dozor", "key", "none")


def xlsform_export_settings(mode: str | None, *, site_url: str) -> dict[str, str]:
    """The settings for an export ``mode`` (an unknown or missing mode is "dozor": encrypted)."""
    if mode == "none":
        return {}
    return xlsform_settings(site_url=site_url, to_dozor=mode != "key")
