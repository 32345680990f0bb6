"""Writes about users: account set-up, passwords, activation, second factors and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from dozor.accounts.audit import audit_record, diff
from dozor.accounts.models import AuditEvent, Role, User


@transaction.atomic
def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for ``user``: the token itself is returned once; only its hash is stored."""
    instance, token = AuthToken.objects.create(user=user)
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        obj=user,
        object_repr=user.username,
        changes={"api_token": {"before": None, "after": instance.token_key}},
    )
    return instance, token


@transaction.atomic
def api_token_revoke(*, user: User, token_key: str) -> bool:
    """Revoke one of ``user``'s own tokens (by its visible prefix); False when there is none."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if deleted:
        audit_record(
            actor=user,
            action=AuditEvent.Action.DELETE,
            obj=user,
            object_repr=user.username,
            changes={"api_token": {"before": token_key, "after": None}},
        )
    return bool(deleted)


def _end_sessions_and_tokens(user: User, *, keep_session_key: str | None = None) -> None:
    """Sign ``user`` out everywhere (but the session kept) and revoke every API token.

    Sessions are not indexed by user; this reads the live ones, which an NPM's few hundred
    accounts keep small. It runs only on password changes and account actions."""
    AuthToken.objects.filter(user=user).delete()
    user_id = str(user.pk)
    stale = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.session_key != keep_session_key and session.get_decoded().get(SESSION_KEY) == user_id
    ]
    Session.objects.filter(session_key__in=stale).delete()


def _user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(_("There is no user %(name)s.") % {"name": username})
    return user


@transaction.atomic
def user_set_password(
    *, actor: User | None, user: User, password: str, keep_session_key: str | None = None
) -> User:
    """Set a password that passes the validators; every other session and every API token ends."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _end_sessions_and_tokens(user, keep_session_key=keep_session_key)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        object_repr=user.username,
        changes={"password": {"before": "***", "after": "changed"}},
    )
    return user


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """Disable the password and return a one-time reset token for a link (valid PASSWORD_RESET_TIMEOUT).

    Nobody but the person who receives the link learns the new password; the old one stops
    working at once, and so do the user's sessions and API tokens."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _end_sessions_and_tokens(user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        object_repr=user.username,
        changes={"password": {"before": "***", "after": "reset link issued"}},
    )
    return default_token_generator.make_token(user)


@transaction.atomic
def user_set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Deactivate (signed out everywhere, tokens revoked, history kept) or reactivate an account."""
    if actor is not None and actor.pk == user.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions_and_tokens(user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        object_repr=user.username,
        changes={"is_active": {"before": not active, "after": active}},
    )
    return user


def user_set_active_by_name(*, username: str, active: bool) -> User:
    return user_set_active(actor=None, user=_user_named(username), active=active)


@transaction.atomic
def user_set_password_by_name(*, username: str, password: str) -> User:
    return user_set_password(actor=None, user=_user_named(username), password=password)


@transaction.atomic
def user_mfa_reset(*, actor: User | None, user: User, identity_check: str) -> int:
    """Remove every second-factor device of ``user`` (who then enrols again at the next sign-in),
    after the identity check described in ``identity_check``; the user is signed out everywhere."""
    identity_check = identity_check.strip()
    if not identity_check:
        raise ValidationError(_("Describe how you confirmed the person's identity."))
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    _end_sessions_and_tokens(user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=user,
        object_repr=user.username,
        changes={"second_factor": {"before": "***", "after": None}, "identity_check": identity_check[:300]},
    )
    return removed


@transaction.atomic
def user_mfa_reset_by_name(*, username: str, identity_check: str) -> int:
    return user_mfa_reset(actor=None, user=_user_named(username), identity_check=identity_check)


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
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    """Create an account with its role and scope; the password must pass the validators."""
    authority, region = _scope(role, authority_code, region_code)
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": username})
    user = User(
        username=username,
        role=role,
        authority=authority,
        region=region,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=user, changes={"role": role})
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
