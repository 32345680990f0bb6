"""API endpoints: thin adapters that take querysets from the access helpers and write through services.

Every queryset starts from ``<thing>_visible_to(request.user)``, so the API shows exactly what the
pages show; an object outside it is a 404. Writes need ``facilities.edit`` (403 otherwise) and go
through ``dozor.facilities.services``; a ValidationError from a service becomes a 400 with its messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.templatetags.static import static
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dozor.accounts.access import (
    active_user,
    authorities_visible_to,
    can,
    population_categories_visible_to,
    regions_visible_to,
    visit_types_visible_to,
)
from dozor.accounts.models import User
from dozor.api import filters
from dozor.api.serializers import (
    AuthorityOut,
    FacilityIn,
    FacilityOut,
    FacilityTypeOut,
    OccupancyIn,
    OccupancyOut,
    OrganisationOut,
    PersonOut,
    PersonPrivateOut,
    ReferenceOut,
    RegionOut,
    VisitTypeOut,
)
from dozor.core.models import Authority, PopulationCategory, Region, VisitType
from dozor.core.revisions import StaleRevision
from dozor.facilities.access import (
    facilities_visible_to,
    facility_for_user,
    facility_types_visible_to,
    occupancy_visible_to,
)
from dozor.facilities.models import Facility, FacilityType, Occupancy
from dozor.facilities.services import facility_create, facility_update, occupancy_record
from dozor.people.access import can_see_private, organisations_visible_to, persons_visible_to
from dozor.people.models import Organisation, Person

T = TypeVar("T")
P = ParamSpec("P")

VALIDATION_ERROR = OpenApiResponse(description="Invalid input: field -> messages.")
FORBIDDEN = OpenApiResponse(description="Signed in but not allowed to change places.")
NOT_FOUND = OpenApiResponse(description="No such object, or not visible to you.")


def stale_response(serializer: type[serializers.Serializer], what: str) -> OpenApiResponse:
    """The 409 of a PUT or PATCH whose ``revision`` is stale (decision 0016)."""
    return OpenApiResponse(
        response=serializer,
        description=f"The {what} was changed since the revision given: nothing was written. "
        f"The body is the {what} as it is now (its current revision included).",
    )


def service_call(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call a service; turn its Django ValidationError into DRF's (a 400 with the messages).
    A ``StaleRevision`` passes through: the view answers 409 with the current representation.
    The arguments are checked against the service's signature (``actor`` must be a ``User``:
    pass ``request_actor(request)``, not ``request.user``)."""
    try:
        return func(*args, **kwargs)
    except StaleRevision:
        raise
    except DjangoValidationError as exc:
        raise ValidationError(detail=serializers.as_serializer_error(exc)) from exc


def request_actor(request: Request) -> User:
    """The signed-in user an API request acts for, to pass to a service as ``actor``.

    The API's counterpart of ``AuthedRequest``: DRF types ``request.user`` as ``User | AnonymousUser``
    and its ``Request`` cannot be narrowed by a subclass (``user`` is a property there, and the view
    methods' signatures are fixed). Every endpoint that writes is behind IsAuthenticated, so this
    never refuses in practice; if it did, the answer would be 401, not a service called with nobody."""
    user = active_user(request.user)
    if user is None:
        raise NotAuthenticated
    return user


class CanEditFacilitiesOrReadOnly(permissions.BasePermission):
    """Reading is scoped by the querysets; any write needs the ``facilities.edit`` capability."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or can(request.user, "facilities.edit")


# ---------------------------------------------------------------- reference data


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only coded reference data, looked up by code."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"


@extend_schema_view(list=extend_schema(summary="Regions"), retrieve=extend_schema(summary="A region"))
@extend_schema(tags=["reference"])
class RegionViewSet(ReferenceViewSet):
    queryset = Region.objects.none()
    serializer_class = RegionOut

    def get_queryset(self) -> QuerySet[Region]:
        return regions_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Authorities", description="A liaison sees only its own authority's subtree."),
    retrieve=extend_schema(summary="An authority"),
)
@extend_schema(tags=["reference"])
class AuthorityViewSet(ReferenceViewSet):
    queryset = Authority.objects.none()
    serializer_class = AuthorityOut

    def get_queryset(self) -> QuerySet[Authority]:
        return authorities_visible_to(self.request.user).select_related("parent")


@extend_schema_view(
    list=extend_schema(summary="Facility types"), retrieve=extend_schema(summary="A facility type")
)
@extend_schema(tags=["reference"])
class FacilityTypeViewSet(ReferenceViewSet):
    queryset = FacilityType.objects.none()
    serializer_class = FacilityTypeOut

    def get_queryset(self) -> QuerySet[FacilityType]:
        return (
            facility_types_visible_to(self.request.user)
            .select_related("authority")
            .prefetch_related("population_categories")
        )


@extend_schema_view(
    list=extend_schema(summary="Population categories"),
    retrieve=extend_schema(summary="A population category"),
)
@extend_schema(tags=["reference"])
class PopulationCategoryViewSet(ReferenceViewSet):
    queryset = PopulationCategory.objects.none()
    serializer_class = ReferenceOut

    def get_queryset(self) -> QuerySet[PopulationCategory]:
        return population_categories_visible_to(self.request.user)


@extend_schema_view(list=extend_schema(summary="Visit types"), retrieve=extend_schema(summary="A visit type"))
@extend_schema(tags=["reference"])
class VisitTypeViewSet(ReferenceViewSet):
    queryset = VisitType.objects.none()
    serializer_class = VisitTypeOut

    def get_queryset(self) -> QuerySet[VisitType]:
        return visit_types_visible_to(self.request.user)


# ---------------------------------------------------------------- facilities


@extend_schema_view(
    list=extend_schema(summary="Places of deprivation of liberty", responses=FacilityOut(many=True)),
    retrieve=extend_schema(summary="A place", responses={200: FacilityOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["facilities"])
class FacilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Facility.objects.none()
    serializer_class = FacilityOut
    filterset_class = filters.FacilityFilterSet
    permission_classes = [permissions.IsAuthenticated, CanEditFacilitiesOrReadOnly]

    def get_queryset(self) -> QuerySet[Facility]:
        # FacilityFilterSet narrows this through facility_search, which starts from the same helper.
        return facilities_visible_to(self.request.user).select_related("type", "authority", "region")

    def get_object(self) -> Facility:
        facility = facility_for_user(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, facility)
        return facility

    def _output(self, facility: Facility, status_code: int = status.HTTP_200_OK) -> Response:
        facility = (
            facilities_visible_to(self.request.user)
            .select_related("type", "authority", "region")
            .prefetch_related("population_categories")
            .get(pk=facility.pk)
        )
        return Response(FacilityOut(facility, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        summary="Add a place",
        request=FacilityIn,
        responses={201: FacilityOut, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        serializer = FacilityIn(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        facility = service_call(
            facility_create,
            actor=request_actor(request),
            data=serializer.to_data(),
            population_categories=serializer.categories(),
        )
        return self._output(facility, status.HTTP_201_CREATED)

    def _update(self, request: Request, *, partial: bool) -> Response:
        facility = facility_for_user(request.user, self.kwargs["pk"], write=True)
        serializer = FacilityIn(data=request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            facility = service_call(
                facility_update,
                actor=request_actor(request),
                facility=facility,
                data=serializer.to_data(facility),
                population_categories=serializer.categories(),
                base_revision=serializer.validated_data.get("revision"),
            )
        except StaleRevision as stale:
            return self._output(cast(Facility, stale.current), status.HTTP_409_CONFLICT)
        return self._output(facility)

    @extend_schema(
        summary="Replace a place",
        description="Optional fields left out are reset to their defaults. With `revision`, a place "
        "changed since that revision is not overwritten (409).",
        request=FacilityIn,
        responses={
            200: FacilityOut,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: stale_response(FacilityOut, "place"),
        },
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change a place",
        description="Only the fields given change. With `revision`, a place changed since that "
        "revision is not overwritten (409).",
        request=FacilityIn,
        responses={
            200: FacilityOut,
            400: VALIDATION_ERROR,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: stale_response(FacilityOut, "place"),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        methods=["GET"],
        summary="Occupancy history of a place",
        description="Newest first.",
        filters=False,
        responses={200: OccupancyOut(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record occupancy of a place",
        description="A second record on the same date replaces the first; the place's current population "
        "follows the latest record.",
        request=OccupancyIn,
        responses={201: OccupancyOut, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"], url_path="occupancy", filterset_class=None)
    def occupancy(self, request: Request, pk: str) -> Response:
        facility = facility_for_user(request.user, pk, write=request.method == "POST")
        if request.method == "POST":
            serializer = OccupancyIn(data=request.data)
            serializer.is_valid(raise_exception=True)
            record = service_call(
                occupancy_record, actor=request_actor(request), facility=facility, **serializer.validated_data
            )
            return Response(OccupancyOut(record).data, status=status.HTTP_201_CREATED)
        records = occupancy_visible_to(request.user).filter(facility=facility).select_related("facility")
        page = self.paginate_queryset(records)
        assert page is not None
        return self.get_paginated_response(OccupancyOut(page, many=True).data)


@extend_schema_view(list=extend_schema(summary="Occupancy records of all visible places"))
@extend_schema(tags=["facilities"])
class OccupancyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Occupancy.objects.none()
    serializer_class = OccupancyOut
    filterset_class = filters.OccupancyFilterSet

    def get_queryset(self) -> QuerySet[Occupancy]:
        return occupancy_visible_to(self.request.user).select_related("facility")


# ---------------------------------------------------------------- people


@extend_schema_view(
    list=extend_schema(summary="Organisations"),
    retrieve=extend_schema(summary="An organisation", responses={200: OrganisationOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["people"])
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Organisation.objects.none()
    serializer_class = OrganisationOut
    filterset_class = filters.OrganisationFilterSet

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisations_visible_to(self.request.user).select_related("region", "authority")


PERSON_ANY = PolymorphicProxySerializer(
    component_name="PersonAny",
    serializers=[PersonPrivateOut, PersonOut],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        summary="Persons",
        description="email and phone appear only for users allowed to see private contacts.",
        responses=PERSON_ANY,
    ),
    retrieve=extend_schema(
        summary="A person",
        description="email and phone appear only for users allowed to see private contacts.",
        responses={200: PERSON_ANY, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["people"])
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Person.objects.none()
    filterset_class = filters.PersonFilterSet

    def get_serializer_class(self) -> type[PersonOut]:
        return PersonPrivateOut if can_see_private(self.request.user) else PersonOut

    def get_queryset(self) -> QuerySet[Person]:
        return (
            persons_visible_to(self.request.user)
            .select_related("organisation", "region")
            .prefetch_related("expertise", "languages")
        )


# ---------------------------------------------------------------- schema and docs


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Public: it describes shapes, never data, and integrators need it first."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []


class DocsView(SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar: every asset is local (deployments may be offline)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @staticmethod
    def _swagger_ui_favicon() -> str:
        # drf-spectacular's default favicon is on a CDN unless SWAGGER_UI_FAVICON_HREF is "SIDECAR".
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
