"""Small display helpers for the people templates."""

from __future__ import annotations

from django import template

from dozor.people.models import Participation

register = template.Library()

_BADGES: dict[str, str] = {
    Participation.Status.ACTIVE: "badge-ok",
    Participation.Status.SUSPENDED: "badge-warn",
    Participation.Status.ENDED: "",
    Participation.Status.CANDIDATE: "",
}


@register.filter
def status_label(value: str | None) -> str:
    """The translated label of a participation status held as a raw value (an annotation)."""
    if not value or value not in Participation.Status.values:
        return ""
    return str(Participation.Status(value).label)


@register.filter
def status_badge(value: str | None) -> str:
    return _BADGES.get(value or "", "") if value in Participation.Status.values else ""
