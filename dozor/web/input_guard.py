"""Hostile input refused before any view parses it (docs/decisions/0018-matrix-schemathesis-input.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

FORM_ENCODED = "application/x-www-form-urlencoded"
BIGINT_MAX = 2**63 - 1  # the largest id, year, page or count either database stores
FREE_TEXT = frozenset({"q", "search"})  # searches may be long digit strings (document numbers)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


def _has_huge_number(data: QueryDict) -> bool:
    """A parameter that is a whole number beyond 64 bits: SQLite's driver raises OverflowError on it,
    PostgreSQL's matches nothing; both answer the same way (400) by refusing it here."""
    return any(
        value.isascii() and value.isdigit() and len(value) >= 19 and int(value) > BIGINT_MAX
        for key, values in data.lists()
        if key not in FREE_TEXT
        for value in values
    )


def bad_input(request: HttpRequest, message: str) -> HttpResponse:
    """400 with ``message``: JSON for the API, the error page for everything else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "web/400.html", {"message": message}, status=400)


class InputGuardMiddleware:
    """Refuses what no page or endpoint can take, before any view parses it, with 400 and a message:

    - a NUL character in the path, a query parameter or a form field (PostgreSQL cannot store or
      compare one; Django's form fields refuse it, but filters read from ``request.GET`` directly);
    - a number too large for the database, wherever it reaches a query (``?page=10**20`` as an
      offset, an id beyond 64 bits): the OverflowError is the database driver's, raised on the
      caller's value, so it is answered as bad input rather than a server error.

    Multipart bodies are not read here (reading them would fix the upload handlers before a view
    can choose them); their text fields go through form fields, which refuse NUL characters."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form = request.content_type == FORM_ENCODED and request.method not in ("GET", "HEAD")
        if "\x00" in request.path or _has_nul(request.GET) or (form and _has_nul(request.POST)):
            return bad_input(request, _("The request contains a NUL character, which no field accepts."))
        if _has_huge_number(request.GET):
            return bad_input(request, _("A number in the request is too large."))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            return bad_input(request, _("A number in the request is too large."))
        return None
