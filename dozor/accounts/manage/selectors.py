from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.access import AnyUser, accounts_visible_to
from dozor.accounts.models import User


def accounts_list(user: AnyUser, *, query: str = "", active: str = "") -> QuerySet[User]:
    """The accounts page: each account with its scope and whether it has a second factor."""
    accounts = (
        accounts_visible_to(user)
        .select_related("region", "authority")
        .annotate(has_mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("username")
    )
    if query:
        accounts = accounts.filter(username__icontains=query) | accounts.filter(last_name__icontains=query)
    if active == "yes":
        accounts = accounts.filter(is_active=True)
    elif active == "no":
        accounts = accounts.filter(is_active=False)
    return accounts
