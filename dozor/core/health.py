"""Health of a running instance, for load balancers and monitoring (served at ``/healthz``).

Each check answers only ``True`` or ``False``: the caller is anonymous, so no reason, setting,
key id or version leaves the server. Why a check failed is logged (``dozor.health``) for the
operator instead.
"""

from __future__ import annotations

import logging

from django.db import connections

from dozor.core.crypto import decrypt, encrypt, keyring

logger = logging.getLogger("dozor.health")

PROBE = "dozor-health-probe"


def database_ok(alias: str = "default") -> bool:
    """The database answers ``SELECT 1``."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except Exception:  # whatever the driver raises, the answer is "error", never a 500
        logger.exception("health check: the database does not answer")
        return False
    return row is not None and row[0] == 1


def keys_ok() -> bool:
    """The field-encryption key ring (DOZOR_FIELD_KEYS) loads, and its current key encrypts a
    value that decrypts again. (``dozor keys check`` goes further: every stored value.)"""
    try:
        ring = keyring()
        return decrypt(encrypt(PROBE, context="health", ring=ring), context="health", ring=ring) == PROBE
    except Exception:  # ImproperlyConfigured for a malformed ring, DecryptionError, ...
        logger.exception("health check: the field-encryption keys do not load")
        return False


def health() -> dict[str, str]:
    """``{"status": "ok"|"error", "database": "ok"|"error", "keys": "ok"|"error"}``."""
    checks = {"database": database_ok(), "keys": keys_ok()}
    answer = {name: "ok" if passed else "error" for name, passed in checks.items()}
    return {"status": "ok" if all(checks.values()) else "error", **answer}
