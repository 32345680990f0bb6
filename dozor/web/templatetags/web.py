from __future__ import annotations

from typing import Any

from django import template

from dozor.core.i18n import hide_maintainer_notes

register = template.Library()


@register.filter
def without_maintainer_notes(value: Any) -> str:
    """Pack text without its notes to maintainers ("[unverified]", "[verify]")."""
    return hide_maintainer_notes(str(value or ""))


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return str(query.urlencode())
