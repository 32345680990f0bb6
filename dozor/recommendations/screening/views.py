"""Pages of the screening of texts to the authority (docs/decisions/0030): the section shown on a
recommendation's and a letter's page, and the second person's clearance of one hit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dozor.accounts.access import AnyUser, active_user
from dozor.accounts.http import AuthedRequest
from dozor.recommendations.access import is_liaison, letter_for_user, recommendation_for_user
from dozor.recommendations.screening import services
from dozor.recommendations.screening.services import Screened


def screening_section(user: AnyUser, obj: Screened) -> dict[str, Any] | None:
    """What the NPM's page of ``obj`` shows of its screening (nothing for a liaison)."""
    staff = active_user(user)
    if staff is None or is_liaison(staff):
        return None
    hits = services.hits(obj)
    if not hits:
        return None
    return {
        "hits": hits,
        "withheld": obj.withheld,
        "message": services.withheld_message(obj),
        "can_clear": services.can_clear(staff, obj),
        "target": services.target_of(obj),
        "pk": obj.pk,
    }


def _clear(request: AuthedRequest, obj: Screened) -> None:
    try:
        start = int(request.POST.get("start", ""))
    except ValueError:
        start = -1
    try:
        services.screening_clear(
            actor=request.user,
            obj=obj,
            field=request.POST.get("field", ""),
            kind=request.POST.get("kind", ""),
            start=start,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if obj.withheld:
            messages.success(request, _("The hit was cleared; others remain."))
        else:
            messages.success(request, _("Every hit was cleared: the authority can now read it."))


@login_required
@require_POST
def recommendation_screening_clear(request: AuthedRequest, pk: int) -> HttpResponse:
    recommendation = recommendation_for_user(request.user, pk)  # 404 for anyone who may not see it
    _clear(request, recommendation)
    return redirect("recommendations:detail", pk)


@login_required
@require_POST
def letter_screening_clear(request: AuthedRequest, pk: int) -> HttpResponse:
    letter = letter_for_user(request.user, pk)  # 404 for anyone who may not see it
    _clear(request, letter)
    return redirect("recommendations:letter_detail", pk)
