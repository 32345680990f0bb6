"""Writes about users: API tokens and account set-up."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.audit import audit_record
from accounts.models import AuditEvent, User


@transaction.atomic
def token_regenerate(*, user: User) -> Token:
    """Replace the user's API token (the old one stops working at once)."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        object_repr=user.username,
        changes={"api_token": {"before": "***", "after": "regenerated"}},
    )
    return token
