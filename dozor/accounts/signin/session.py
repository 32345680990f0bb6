"""What a session remembers about its sign-in (docs/decisions/0014-sign-in.md).

- ``AUTH_AT``: when the password was entered (the absolute lifetime, SESSION_COOKIE_AGE, counts from it);
- ``SEEN_AT``: the last request (DOZOR_IDLE_SECONDS of silence end the session);
- ``REAUTH_AT``: when the user last proved who they are (password, and the second factor when enrolled);
  confidential exports need it within DOZOR_REAUTH_SECONDS;
- ``PENDING``: "verify" or "enrol" while the second factor is still owed; the session can then do
  nothing but that (``SecondFactorMiddleware``).
"""

from __future__ import annotations

import time
from typing import Literal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django_otp import user_has_device

from dozor.accounts.access import mfa_required
from dozor.accounts.models import User

AUTH_AT = "dozor_auth_at"
SEEN_AT = "dozor_seen_at"
REAUTH_AT = "dozor_reauth_at"
PENDING = "dozor_mfa_pending"

Pending = Literal["verify", "enrol"]


def session_start(session: SessionBase, user: User) -> None:
    """Called on every sign-in (Django's ``user_logged_in``): what the session still owes."""
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.pop(REAUTH_AT, None)
    session.pop(PENDING, None)
    if user_has_device(user):
        session[PENDING] = "verify"
    elif mfa_required(user):
        session[PENDING] = "enrol"
    else:
        session[REAUTH_AT] = now  # the password alone is the whole proof for this account


def second_factor_done(session: SessionBase) -> None:
    session.pop(PENDING, None)
    session[REAUTH_AT] = time.time()


def pending(session: SessionBase) -> Pending | None:
    value = session.get(PENDING)
    return value if value in ("verify", "enrol") else None


def reauthenticated(session: SessionBase) -> None:
    session[REAUTH_AT] = time.time()


def recently_authenticated(session: SessionBase) -> bool:
    at = session.get(REAUTH_AT)
    return isinstance(at, int | float) and time.time() - at <= settings.DOZOR_REAUTH_SECONDS
