"""The OpenAPI schema documents every status code an operation can answer (issue 15, item 7).

drf-spectacular documents the success code and whatever a view names in ``@extend_schema``; the
answers every operation shares come from the framework around the view and are added here, where
the view did not name them itself (decision 0018):

- 400 from any operation: the input guard refuses a NUL character or a number beyond the database
  in any parameter (``{"detail": ...}``), filters and serializers refuse bad values (field -> messages);
- 401 where a sign-in is needed (no, a wrong, an expired or a revoked token);
- 403 for every write (a role that may not, a session without its CSRF token) and where the view
  has permission classes beyond "signed in";
- 404 where the path names an object, and on paginated lists (a page beyond the last);
- 429 where a throttle applies (all of the API by default; the token endpoint strictly).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import permissions

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A field -> messages object, a {"detail": ...} object or a list of messages (a non-field error).
INVALID = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ]
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PLAIN = (permissions.AllowAny, permissions.IsAuthenticated)


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, with the shared error answers of every operation."""

    def _permission_classes(self) -> list[type]:
        try:
            return [type(permission) for permission in self.view.get_permissions()]
        except Exception:  # a view choosing by request; the declared classes are as good a guess
            return list(getattr(self.view, "permission_classes", []))

    def _throttled(self) -> bool:
        try:
            return bool(self.view.get_throttles())
        except Exception:
            return bool(getattr(self.view, "throttle_classes", []))

    def _paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and getattr(self.view, "pagination_class", None) is not None
            and self._is_list_view()
        )

    def error_responses(self) -> dict[str, dict[str, Any]]:
        classes = self._permission_classes()
        anonymous = bool(classes) and all(issubclass(cls, permissions.AllowAny) for cls in classes)
        errors: dict[str, dict[str, Any]] = {
            "400": _json(
                "Invalid input: a NUL character, a number out of range, a bad filter or field.", INVALID
            )
        }
        if not anonymous:
            errors["401"] = _json("Not signed in: no, a wrong, an expired or a revoked token.", DETAIL)
        if not anonymous and (self.method in UNSAFE or any(not issubclass(cls, PLAIN) for cls in classes)):
            errors["403"] = _json("Signed in, but this role may not do this.", DETAIL)
        if "{" in self.path or self._paginated_list():
            errors["404"] = _json("No such object, not visible to you, or a page beyond the last.", DETAIL)
        if self._throttled():
            errors["429"] = _json("Too many requests: wait the Retry-After seconds.", DETAIL)
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in self.error_responses().items():
            if code not in responses:
                responses[code] = response
            elif not responses[code].get("content"):  # named by the view with a description only
                responses[code]["content"] = response["content"]
        return responses
