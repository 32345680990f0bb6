"""System checks of Dozor's own (run by runserver, migrate, check and most commands)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from dozor.core.canary import key_canary_problems


@checks.register()
def key_canaries(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``dozor.E001``: a field-encryption key does not decrypt its canary (dozor.core.canary).

    It reads the database even when no database is named (runserver names none): refusing to
    start with the wrong key is the point. A database that cannot be read yet (not migrated, not
    reachable) is no error here; writes check the canary themselves."""
    try:
        problems = key_canary_problems()
    except ImproperlyConfigured as exc:  # a malformed DOZOR_FIELD_KEYS
        return [checks.Error(str(exc), id="dozor.E001")]
    except DatabaseError:
        return []
    return [checks.Error(problem, id="dozor.E001") for problem in problems]
