"""POST /api/v1/token/: a knox token for an integration, from a user name, password and (when the
account has one) a second-factor code; strictly throttled ("token" rate) and counted by django-axes.
DELETE revokes the token the request is made with (docs/decisions/0014-sign-in.md)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_otp import user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from dozor.accounts.access import mfa_required
from dozor.accounts.models import User
from dozor.accounts.services import api_token_create, api_token_revoke
from dozor.accounts.signin.services import otp_check


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="second-factor code"
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class TokenView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_authenticators(self):  # type: ignore[no-untyped-def]
        # POST signs in with a password; DELETE is made with the token it revokes.
        if self.request is not None and self.request.method == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.request is not None and self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    @extend_schema(
        request=TokenIn,
        responses={
            201: TokenOut,
            400: OpenApiResponse(description="wrong user name, password or code"),
            403: OpenApiResponse(description="the account's role needs a second factor it has not set up"),
            429: OpenApiResponse(description="too many attempts"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if not isinstance(user, User):
            raise ValidationError({"detail": _("The user name or password is wrong.")})
        if user_has_device(user):
            try:
                otp_check(
                    user=user,
                    code=data.validated_data.get("otp", ""),
                    ip_address=request.META.get("REMOTE_ADDR"),
                )
            except DjangoValidationError as exc:
                raise ValidationError({"otp": exc.messages}) from exc
        elif mfa_required(user):
            raise PermissionDenied(_("Your role requires a second factor: set it up on the web first."))
        instance, token = api_token_create(user=user)
        return Response(
            TokenOut({"token": token, "expiry": instance.expiry}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={204: None, 401: OpenApiResponse(description="no valid token")})
    def delete(self, request: Request) -> Response:
        assert isinstance(request.auth, AuthToken) and isinstance(request.user, User)
        api_token_revoke(user=request.user, token_key=request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)
