"""Security headers for every response: a strict Content-Security-Policy (all assets are local), and
``Cache-Control: private, no-store`` on everything confidential (see ``_confidential``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)
# The OpenAPI docs page (Swagger UI from drf-spectacular-sidecar, served locally) starts itself
# with an inline script; it gets a slightly wider policy and nothing else does.
DOCS_CSP = STRICT_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = DOCS_CSP if request.path.startswith("/api/docs") else STRICT_CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if _confidential(request):
            response.headers["Cache-Control"] = NO_STORE
        return response


NO_STORE = "private, no-store"


def _confidential(request: HttpRequest) -> bool:
    """Every API response, and every page a signed-in user gets, may hold confidential data: no
    browser or proxy may keep it. The public portal is the same for everyone and keeps its own
    caching rules (and is never made to read the session, so it sends no ``Vary: Cookie``)."""
    if request.path.startswith("/api/"):
        return True
    match = request.resolver_match
    if match is not None and "public" in match.namespaces:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
