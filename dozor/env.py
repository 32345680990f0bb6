"""Typed helpers that read configuration from the environment and refuse bad values.

Every setting Dozor reads from the environment goes through one of these helpers, so that a
typo in production fails loudly at start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import base64
import os

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(TRUE_VALUES | FALSE_VALUES)}, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required_in_production(name: str, *, production: bool, local_default: str) -> str:
    """Return the variable; in production a missing or empty value is a start-up error."""
    raw = os.environ.get(name, "")
    if raw:
        return raw
    if production:
        raise ImproperlyConfigured(f"{name} must be set when DOZOR_ENV=production")
    return local_default


def env_choices(name: str, default: list[str], *, choices: list[str]) -> list[str]:
    """A comma-separated list whose every item is one of ``choices``; an unknown item is an error."""
    values = env_list(name, default)
    unknown = [value for value in values if value not in choices]
    if unknown:
        raise ImproperlyConfigured(
            f"{name} may list only {', '.join(choices)}; unknown: {', '.join(unknown)}"
        )
    return values


# Public values (they are in the source code): usable on a laptop, refused in production.
LOCAL_SECRET_KEY = "dozor-local-development-key-not-secret"
DEV_FIELD_KEY = b"dozor-development-key-not-secret"  # 32 bytes (dozor.core.crypto)
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 10


def production_refusals(*, secret_key: str, allowed_hosts: list[str], field_keys: str) -> list[str]:
    """What makes a configuration unsafe for production, one clear message each (empty if none)."""
    refusals = []
    make_key = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if secret_key == LOCAL_SECRET_KEY:
        refusals.append(f"DOZOR_SECRET_KEY is the public development key; make a secret one: {make_key}")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        refusals.append(
            f"DOZOR_SECRET_KEY is {len(secret_key)} characters long; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters: {make_key}"
        )
    elif len(set(secret_key)) < MIN_SECRET_KEY_CHARACTERS:
        refusals.append(
            f"DOZOR_SECRET_KEY has only {len(set(secret_key))} different characters; production needs "
            f"a random key (at least {MIN_SECRET_KEY_CHARACTERS} different characters): {make_key}"
        )
    if "*" in allowed_hosts:
        refusals.append(
            "DOZOR_ALLOWED_HOSTS must not contain '*' in production: list the names Dozor is reached at "
            "(e.g. dozor.example.kz), so that forged Host headers are refused"
        )
    for part in field_keys.split(","):
        key_id, _sep, encoded = part.strip().partition(":")
        try:
            public = base64.b64decode(encoded, validate=True) == DEV_FIELD_KEY
        except ValueError:
            continue  # a malformed key is refused, with its own message, when the key ring is read
        if public:
            refusals.append(
                f"DOZOR_FIELD_KEYS: key {key_id!r} is the public development key; make a secret one "
                "with `dozor keys new`"
            )
    return refusals
