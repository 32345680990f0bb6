"""Pages for a visit's interviews (see visits/urls_interviews.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from visits.models import Visit


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit's interviews (template visits/_interviews.html)."""
    return {}
