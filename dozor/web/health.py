"""``/healthz``: is this instance able to serve? For load balancers and monitoring, so no login,
no cookie, never cached, and nothing in the answer but "ok" or "error" per check (core.health)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from dozor.core.health import health


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    answer = health()
    response = JsonResponse(answer, status=200 if answer["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
