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


@register.simple_tag
def active_filter_count(form: Any) -> int:
    """How many of a bound filter form's fields hold a value (the count shown on a folded filter box)."""
    if form is None or not getattr(form, "is_bound", False):
        return 0
    count = 0
    for name in form.fields:
        data = form.data
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if any(value is not None and str(value).strip() for value in values):
            count += 1
    return count
