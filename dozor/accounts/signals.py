"""Sign-in, sign-out and failed sign-in go to the audit log (Django emits these signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.dispatch import receiver
from django.http import HttpRequest

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User
from dozor.accounts.signin.session import session_start


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@receiver(signals.user_logged_in)
def _on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, ip_address=_ip(request))
    if request is not None and hasattr(request, "session"):
        session_start(request.session, user)  # idle timeout, re-authentication, second factor owed


@receiver(signals.user_logged_out)
def _on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user, ip_address=_ip(request))


@receiver(signals.user_login_failed)
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=username,
        ip_address=_ip(request),
    )
