"""Writes about users: API tokens and account set-up."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from dozor.accounts.audit import audit_record, diff
from dozor.accounts.models import AuditEvent, Role, User


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


def _scope(role: str, authority_code: str | None, region_code: str | None) -> tuple[Any, Any]:
    from dozor.core.models import Authority, Region

    errors = []
    authority = Authority.objects.filter(code=authority_code).first() if authority_code else None
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if authority_code and authority is None:
        errors.append(_("Unknown authority code '%(code)s'.") % {"code": authority_code})
    if region_code and region is None:
        errors.append(_("Unknown region code '%(code)s'.") % {"code": region_code})
    if role == Role.LIAISON and authority is None and not errors:
        errors.append(_("An authority liaison needs an authority."))
    if role != Role.LIAISON and authority is not None:
        errors.append(_("Only authority liaisons belong to an authority."))
    if errors:
        raise ValidationError(errors)
    return authority, region


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    authority_code: str | None = None,
    region_code: str | None = None,
    email: str = "",
) -> User:
    """Create an account with its role and scope; the password must pass the validators."""
    authority, region = _scope(role, authority_code, region_code)
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": username})
    user = User(username=username, role=role, authority=authority, region=region, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=None, action=AuditEvent.Action.CREATE, obj=user, changes={"role": role})
    return user


@transaction.atomic
def user_set_role(
    *, username: str, role: str, authority_code: str | None = None, region_code: str | None = None
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(_("There is no user %(name)s.") % {"name": username})
    authority, region = _scope(role, authority_code, region_code)
    before = {"role": user.role, "authority": user.authority_id, "region": user.region_id}
    user.role, user.authority, user.region = role, authority, region
    user.save(update_fields=["role", "authority", "region"])
    after = {"role": user.role, "authority": user.authority_id, "region": user.region_id}
    audit_record(actor=None, action=AuditEvent.Action.UPDATE, obj=user, changes=diff(before, after))
    return user
