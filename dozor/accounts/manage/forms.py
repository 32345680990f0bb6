from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Role
from dozor.core.models import Authority, Region


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    authority = forms.ModelChoiceField(
        label=_("Authority"),
        queryset=Authority.objects.order_by("path"),
        required=False,
        to_field_name="code",
        help_text=_("Required for authority liaisons."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        required=False,
        to_field_name="code",
        help_text=_("Optional: limits the account to one region."),
    )


class IdentityCheckForm(forms.Form):
    identity_check = forms.CharField(
        label=_("How did you confirm the person's identity?"),
        max_length=300,
        help_text=_("For example: in person with an identity document; a call back to the number on file."),
    )
    confirmed = forms.BooleanField(
        label=_("I have confirmed that the request comes from the account's owner.")
    )
