"""The standards library is reference material: every signed-in role reads it, nobody edits it in
the application (it is pack data)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, can
from dozor.standards.models import Instrument, Provision, Theme


def instruments_visible_to(user: AnyUser) -> QuerySet[Instrument]:
    return Instrument.objects.all() if can(user, "standards.view") else Instrument.objects.none()


def provisions_visible_to(user: AnyUser) -> QuerySet[Provision]:
    return Provision.objects.all() if can(user, "standards.view") else Provision.objects.none()


def themes_visible_to(user: AnyUser) -> QuerySet[Theme]:
    return Theme.objects.all() if can(user, "standards.view") else Theme.objects.none()


def provision_for_user(user: AnyUser, code: str) -> Provision:
    try:
        return provisions_visible_to(user).select_related("instrument", "theme").get(code=code)
    except Provision.DoesNotExist as exc:
        raise Http404 from exc


def instrument_for_user(user: AnyUser, code: str) -> Instrument:
    try:
        return instruments_visible_to(user).get(code=code)
    except Instrument.DoesNotExist as exc:
        raise Http404 from exc
