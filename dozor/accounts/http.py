"""A request whose ``user`` is a signed-in ``User``, for the views that require one.

Django types ``HttpRequest.user`` as ``User | AnonymousUser``. Behind ``login_required`` it is a
``User``: only an authenticated session gets past the decorator, and the default ModelBackend
treats a deactivated account as signed out. A view says so by annotating ``request: AuthedRequest``
(as healthchecks' ``hc/accounts/http.py`` does) and then passes ``actor=request.user`` to a service
with neither a cast nor an ignore. ``AuthedRequest`` is only a type: at run time the object is still
Django's request, so the annotation is a promise that ``login_required`` stands in front of the view.
Helpers that also serve anonymous visitors keep ``HttpRequest`` and pass ``request.user`` on as
``AnyUser``. The API's counterpart is ``dozor.api.views.request_actor``.
"""

from __future__ import annotations

from django.http import HttpRequest

from dozor.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
