"""Recommendations and their follow-up over the API: recommendations with their status history,
the status values, the authorities' responses and the correspondence register.

Same rules as the pages (``dozor.recommendations.access``): coordinators, council members and monitors
see every recommendation, response and letter; an authority liaison sees only what the authority
portal shows - recommendations addressed to its authority's subtree or to its places whose report
was sent (never drafts), its authority's responses and the letters exchanged with its subtree -
and of the status history not the NPM's evidence notes, assessor or follow-up visit. Trainers get
empty lists and 404s, anonymous users 401. Anything outside a user's view is a 404 and counts
only what the user sees, so identifiers of other authorities cannot be probed.

Writes go through the services: coordinators issue and correct recommendations
(``dozor.recommendations.services``) and assess them (``status_change``: how the status was verified is
required); liaisons submit responses with attachments (``services_portal.response_submit``; the
attachments are judged by their bytes). Anyone else gets 403 before the input is read. A service's
``ValidationError`` becomes a 400 with every message and nothing is written. Attachments are
listed with their name, size and hash and the URL of the access-checked, audited download page -
never their storage path. Letters are read-only here: they are registered on the pages.

Reprisal cases deliberately have NO endpoints. They concern people at risk of reprisal for having
talked to the NPM (SPT policy on reprisals, CAT/OP/6/Rev.1): they are read only on the pages, which
only coordinators and the team of a visit to the place reach, where every read is recorded in the
audit log. A bulk JSON interface would make copying them out easy and unaudited.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters as filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dozor.accounts.access import AnyUser, authorities_visible_to, can
from dozor.api.filters import YearFilter
from dozor.api.recommendations.serializers import (
    AuthorityResponseIn,
    AuthorityResponseOut,
    LetterOut,
    RecommendationChangeIn,
    RecommendationIn,
    RecommendationOut,
    RecommendationStatusOut,
    ScreeningClearIn,
    StatusChangeIn,
    StatusChangeOut,
)
from dozor.api.views import (
    NOT_FOUND,
    VALIDATION_ERROR,
    ReferenceViewSet,
    request_actor,
    service_call,
    stale_response,
)
from dozor.core.data import data_from
from dozor.core.revisions import StaleRevision
from dozor.facilities.access import facilities_visible_to
from dozor.recommendations.access import (
    can_manage,
    can_submit_responses,
    is_liaison,
    letters_visible_to,
    recommendation_for_user,
    recommendations_visible_to,
    reports_sent_to,
    response_for_user,
    responses_visible_to,
)
from dozor.recommendations.models import Letter, Recommendation, ResponseAttachment, Status
from dozor.recommendations.models import Response as AuthorityResponse
from dozor.recommendations.portal.services import response_submit
from dozor.recommendations.screening import services as screening
from dozor.recommendations.selectors import (
    RecommendationFilters,
    recommendation_history,
    recommendation_search,
)
from dozor.recommendations.services import (
    RecommendationData,
    recommendation_create,
    recommendation_update,
    status_change,
)
from dozor.standards.access import provisions_visible_to, themes_visible_to
from dozor.standards.models import Provision
from dozor.visits.access import reports_visible_to, visits_visible_to
from dozor.visits.models import Report

NOT_MANAGER = OpenApiResponse(
    description="Signed in but not allowed to issue or assess recommendations (coordinators are)."
)
NOT_LIAISON = OpenApiResponse(description="Only authority liaisons submit responses.")


class CanManageOrReadOnly(permissions.BasePermission):
    """Reading is scoped by the querysets; issuing, correcting and assessing need ``can_manage``.
    Checked before the input is parsed or an object is looked up."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or can_manage(request.user)


class LiaisonWritesOrReadOnly(permissions.BasePermission):
    """Reading is scoped by the querysets; only liaisons submit responses (checked before the
    upload is parsed, so a refused user's files are never looked at)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS or can_submit_responses(request.user)


def _visible_reports(user: AnyUser) -> QuerySet[Report]:
    """The visit reports a user may open: a liaison those sent to its authority, staff those of
    the visits they see."""
    return reports_sent_to(user) if is_liaison(user) else reports_visible_to(user)


def _visible_id(qs: QuerySet[Any], field: str) -> Subquery:
    """The id in ``field`` when that row is in ``qs``, else NULL (no dangling, probe-able ids)."""
    return Subquery(qs.filter(pk=OuterRef(field)).values("pk")[:1])


# ---------------------------------------------------------------- recommendations


class RecommendationFilterSet(filters.FilterSet):
    """Parses the parameters and hands them to ``recommendation_search``: the API filters like the
    pages, and always within what the user sees."""

    q = filters.CharFilter(
        label="Words to find in the text or in the place's names and code (any case, any of the three "
        "languages)."
    )
    status = filters.CharFilter(label="Status code.")
    authority = filters.CharFilter(label="Authority code; its subordinate bodies are included.")
    facility = filters.NumberFilter(label="Place id.")
    region = filters.CharFilter(label="Region code of the place.")
    facility_type = filters.CharFilter(label="Facility type code of the place.")
    theme = filters.CharFilter(label="Theme code.")
    year = YearFilter(label="Year of issue.")
    source = filters.ChoiceFilter(choices=Recommendation.Source.choices)
    overdue = filters.BooleanFilter(label="Only those past their deadline whose follow-up is not closed.")
    repeated = filters.BooleanFilter(label="Only those that repeat an earlier recommendation.")

    class Meta:
        model = Recommendation
        fields = [
            "q",
            "status",
            "authority",
            "facility",
            "region",
            "facility_type",
            "theme",
            "year",
            "source",
            "overdue",
            "repeated",
        ]

    def filter_queryset(self, queryset: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
        data: dict[str, Any] = self.form.cleaned_data
        params = RecommendationFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            authority=data.get("authority") or "",
            region=data.get("region") or "",
            facility_type=data.get("facility_type") or "",
            theme=data.get("theme") or "",
            year=int(data["year"]) if data.get("year") else None,
            source=data.get("source") or "",
            overdue=bool(data.get("overdue")),
            repeated=bool(data.get("repeated")),
        )
        # No request (the filter set used outside a view) means an anonymous visitor, who sees nothing.
        user: AnyUser = getattr(self.request, "user", None) or AnonymousUser()
        # recommendation_search starts from recommendations_visible_to(user).
        found = recommendation_search(user, params)
        if data.get("facility") is not None:
            found = found.filter(facility_id=int(data["facility"]))
        return _decorate(user, found)


def _decorate(user: AnyUser, qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """What the output shows, in a fixed number of queries."""
    return qs.prefetch_related(
        Prefetch("provisions", queryset=Provision.objects.only("code").order_by("code"))
    ).annotate(
        report_visible_id=_visible_id(_visible_reports(user), "report_id"),
        repeat_visible_id=_visible_id(recommendations_visible_to(user), "repeat_of_id"),
    )


def _recommendations(user: AnyUser) -> QuerySet[Recommendation]:
    return _decorate(user, recommendation_search(user, RecommendationFilters()))


def _bad(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _links(user: AnyUser, data: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from checked input: related rows looked up among those the
    user sees; every unknown one reported together."""
    values = dict(data)
    errors: dict[str, list[str]] = {}
    values["theme"] = themes_visible_to(user).filter(code=data["theme"]).first()
    if values["theme"] is None:
        _bad(errors, "theme", _("No such theme."))
    codes = list(dict.fromkeys(data.get("provisions", [])))
    found = provisions_visible_to(user).in_bulk(codes, field_name="code")
    missing = [code for code in codes if code not in found]
    if missing:
        _bad(errors, "provisions", _("No such provision: %(codes)s.") % {"codes": ", ".join(missing)})
    values["provisions"] = [found[code] for code in codes if code in found]
    lookups: list[tuple[str, QuerySet[Any], str, str]] = [
        ("report", reports_visible_to(user), "pk", _("No such visit report.")),
        ("facility", facilities_visible_to(user), "pk", _("No such place.")),
        ("authority", authorities_visible_to(user), "code", _("No such authority.")),
        ("repeat_of", recommendations_visible_to(user), "pk", _("No such recommendation.")),
    ]
    for field, qs, key, message in lookups:
        if field not in data:
            continue
        if data[field] is None:
            values[field] = None
            continue
        values[field] = qs.filter(**{key: data[field]}).first()
        if values[field] is None:
            _bad(errors, field, message)
    if errors:
        raise ValidationError(errors)
    return values


def _current(recommendation: Recommendation) -> dict[str, Any]:
    """A recommendation's values in the input's shape, the base of a PATCH."""
    return {
        "source": recommendation.source,
        "report": recommendation.report_id,
        "source_reference": recommendation.source_reference,
        "addressee": recommendation.addressee,
        "authority": recommendation.authority.code if recommendation.authority else None,
        "facility": recommendation.facility_id,
        "theme": recommendation.theme.code,
        "provisions": list(recommendation.provisions.order_by("code").values_list("code", flat=True)),
        "text_kk": recommendation.text_kk,
        "text_ru": recommendation.text_ru,
        "text_en": recommendation.text_en,
        "priority": recommendation.priority,
        "term": recommendation.term,
        "systemic": recommendation.systemic,
        "issued_on": recommendation.issued_on,
        "deadline": recommendation.deadline,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Recommendations visible to you",
        description="Coordinators, council members and monitors see every recommendation; an "
        "authority liaison those addressed to its authority (and subordinate bodies) or its places, "
        "once the report was sent to it; other roles none. Newest first.",
    ),
    retrieve=extend_schema(summary="A recommendation", responses={200: RecommendationOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["recommendations"])
class RecommendationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Recommendation.objects.none()
    serializer_class = RecommendationOut
    filterset_class = RecommendationFilterSet
    permission_classes = [permissions.IsAuthenticated, CanManageOrReadOnly]

    def get_queryset(self) -> QuerySet[Recommendation]:
        return _recommendations(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recommendation = recommendation_for_user(request.user, self.kwargs["pk"])
        return self._out(recommendation)

    def _out(self, recommendation: Recommendation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=recommendation.pk)
        return Response(RecommendationOut(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Issue a recommendation",
        description="Coordinators only. It starts with the pack's initial status. A recommendation "
        "to a place's management needs the place (its authority becomes the one answerable), one to "
        "a ministry or committee needs the authority; one from a visit report needs the report. "
        "Every problem is returned together (400, nothing written).",
        request=RecommendationIn,
        responses={201: RecommendationOut, 400: VALIDATION_ERROR, 403: NOT_MANAGER},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RecommendationIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request_actor(request)
        values = _links(actor, serializer.validated_data)
        recommendation = service_call(
            recommendation_create,
            actor=actor,
            data=data_from(RecommendationData, values),
            provisions=values["provisions"],
            repeat_of=values.get("repeat_of"),
        )
        return self._out(recommendation, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a recommendation",
        description="Replaces its values (PUT) or only those given (PATCH), with the same checks as "
        "when it was issued; the audit log keeps what changed. Status and repeat link are not "
        "changed here (see the status action). With `revision`, a recommendation changed since that "
        "revision is not overwritten (409).",
        request=RecommendationChangeIn,
        responses={
            200: RecommendationOut,
            400: VALIDATION_ERROR,
            403: NOT_MANAGER,
            404: NOT_FOUND,
            409: stale_response(RecommendationOut, "recommendation"),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = request_actor(request)
        recommendation = recommendation_for_user(actor, self.kwargs["pk"])
        partial = bool(kwargs.get("partial"))
        serializer = RecommendationChangeIn(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = (
            {**_current(recommendation), **serializer.validated_data}
            if partial
            else serializer.validated_data
        )
        values = _links(actor, data)
        try:
            recommendation = service_call(
                recommendation_update,
                actor=actor,
                recommendation=recommendation,
                data=data_from(RecommendationData, values),
                provisions=values["provisions"],
                base_revision=serializer.validated_data.get("revision"),
            )
        except StaleRevision as stale:
            return self._out(cast(Recommendation, stale.current), status.HTTP_409_CONFLICT)
        return self._out(recommendation)

    @extend_schema(
        summary="Correct some of a recommendation's values",
        request=RecommendationChangeIn,
        responses={
            200: RecommendationOut,
            400: VALIDATION_ERROR,
            403: NOT_MANAGER,
            404: NOT_FOUND,
            409: stale_response(RecommendationOut, "recommendation"),
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        summary="Assess a recommendation (change its status)",
        description="Coordinators only. Says how the status was verified (the authority's report, "
        "documents, on site - a check on site names the follow-up visit to the place) and on what "
        "evidence; may name the authority response assessed. Returns the new history entry.",
        request=StatusChangeIn,
        filters=False,
        responses={201: StatusChangeOut, 400: VALIDATION_ERROR, 403: NOT_MANAGER, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="status",
        url_name="status",
        filterset_class=None,
        pagination_class=None,
    )
    def change_status(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        actor = request_actor(request)
        recommendation = recommendation_for_user(actor, pk)
        serializer = StatusChangeIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors: dict[str, list[str]] = {}
        new_status = Status.objects.filter(code=data["status"]).first()
        if new_status is None:
            _bad(errors, "status", _("No such status."))
        visit = None
        if data["visit"] is not None:
            visit = visits_visible_to(actor).filter(pk=data["visit"]).first()
            if visit is None:
                _bad(errors, "visit", _("No such visit."))
        response = None
        if data["response"] is not None:
            response = responses_visible_to(actor).filter(pk=data["response"]).first()
            if response is None:
                _bad(errors, "response", _("No such response."))
        if errors:
            raise ValidationError(errors)
        assert new_status is not None  # else "status" was among the errors
        change = service_call(
            status_change,
            actor=actor,
            recommendation=recommendation,
            status=new_status,
            changed_on=data["changed_on"] or timezone.localdate(),
            verification=data["verification"],
            evidence=data["evidence"],
            visit=visit,
            response=response,
        )
        fresh = recommendation_history(recommendation).get(pk=change.pk)
        return Response(
            StatusChangeOut(fresh, context={"internal": True}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Clear one hit of the screening for the authority",
        description="A coordinator who is not an author of the text (neither created nor edited it: "
        "four eyes) decides that one hit listed in `authority_screening` may reach the authority as "
        "written; recorded in the audit log. When no hit is left, the authority sees the "
        "recommendation. The author gets 400 (`four_eyes`), as does a hit no longer in the text.",
        request=ScreeningClearIn,
        responses={200: RecommendationOut, 400: VALIDATION_ERROR, 403: NOT_MANAGER, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="screening-clear",
        url_name="screening-clear",
        filterset_class=None,
        pagination_class=None,
    )
    def screening_clear(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        actor = request_actor(request)
        recommendation = recommendation_for_user(actor, pk)
        serializer = ScreeningClearIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service_call(
            screening.screening_clear,
            actor=actor,
            obj=recommendation,
            field=data["field"],
            kind=data["kind"],
            start=data["start"],
            reason=data["reason"],
        )
        return self._out(recommendation)

    @extend_schema(
        summary="The status history of a recommendation",
        description="Newest first. Liaisons see the status, its date and how it was verified; the "
        "evidence notes, assessor, follow-up visit and response are internal (empty for them).",
        filters=False,
        responses={200: StatusChangeOut(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="history", filterset_class=None, pagination_class=None)
    def history(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        recommendation = recommendation_for_user(request.user, pk)
        changes = recommendation_history(recommendation).order_by("-changed_on", "-id")
        context = {"internal": not is_liaison(request.user)}
        return Response(StatusChangeOut(changes, many=True, context=context).data)


@extend_schema_view(
    list=extend_schema(summary="Recommendation statuses"),
    retrieve=extend_schema(summary="A recommendation status"),
)
@extend_schema(tags=["reference"])
class RecommendationStatusViewSet(ReferenceViewSet):
    """The status values of the country pack, with how each counts in implementation rates."""

    queryset = Status.objects.none()
    serializer_class = RecommendationStatusOut

    def get_queryset(self) -> QuerySet[Status]:
        if not can(self.request.user, "reference.view"):
            return Status.objects.none()
        return Status.objects.order_by("sort_order", "code")


# ---------------------------------------------------------------- responses


class ResponseFilterSet(filters.FilterSet):
    recommendation = filters.NumberFilter(field_name="recommendation_id", label="Recommendation id.")
    assessed = filters.BooleanFilter(
        field_name="assessed_at", lookup_expr="isnull", exclude=True, label="true: assessed; false: waiting."
    )

    class Meta:
        model = AuthorityResponse
        fields = ["recommendation", "assessed"]


def _responses(user: AnyUser) -> QuerySet[AuthorityResponse]:
    return (
        responses_visible_to(user)
        .select_related("authority", "submitted_by")
        .prefetch_related(Prefetch("attachments", queryset=ResponseAttachment.objects.order_by("id")))
        .order_by("-submitted_at", "-id")
    )


@extend_schema_view(
    list=extend_schema(
        summary="Authority responses",
        description="NPM staff see every response; a liaison its authority's responses to the "
        "recommendations it sees. Newest first.",
    ),
    retrieve=extend_schema(
        summary="An authority response", responses={200: AuthorityResponseOut, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["recommendations"])
class ResponseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = AuthorityResponse.objects.none()
    serializer_class = AuthorityResponseOut
    filterset_class = ResponseFilterSet
    permission_classes = [permissions.IsAuthenticated, LiaisonWritesOrReadOnly]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[AuthorityResponse]:
        return _responses(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = response_for_user(request.user, self.kwargs["pk"])
        fresh = self.get_queryset().get(pk=found.pk)
        return Response(AuthorityResponseOut(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Answer a recommendation",
        description="Authority liaisons only, for a recommendation they see whose follow-up is not "
        "closed: the measures taken, an action plan, and up to 10 attachments (PDF, JPEG, PNG, DOCX, "
        "XLSX, judged by their bytes). Every problem is returned together (400; no row and no file "
        "written).",
        request={"multipart/form-data": AuthorityResponseIn},
        responses={201: AuthorityResponseOut, 400: VALIDATION_ERROR, 403: NOT_LIAISON},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = AuthorityResponseIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = request_actor(request)
        recommendation = recommendations_visible_to(actor).filter(pk=data["recommendation"]).first()
        if recommendation is None:
            raise ValidationError({"recommendation": [_("No such recommendation.")]})
        response = service_call(
            response_submit,
            actor=actor,
            recommendation=recommendation,
            text=data["text"],
            action_plan=data["action_plan"],
            planned_by=data["planned_by"],
            files=data["files"],
        )
        fresh = self.get_queryset().get(pk=response.pk)
        return Response(
            AuthorityResponseOut(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# ---------------------------------------------------------------- letters


class LetterFilterSet(filters.FilterSet):
    direction = filters.ChoiceFilter(choices=Letter.Direction.choices)
    authority = filters.CharFilter(
        method="filter_authority", label="Authority code; letters with its subordinate bodies included."
    )
    facility = filters.NumberFilter(field_name="facility_id", label="Place id.")
    recommendation = filters.NumberFilter(field_name="recommendations", label="Linked recommendation id.")
    year = YearFilter(field_name="registered_on__year", label="Year of registration.")

    class Meta:
        model = Letter
        fields = ["direction", "authority", "facility", "recommendation", "year"]

    def filter_authority(self, queryset: QuerySet[Letter], name: str, value: str) -> QuerySet[Letter]:
        below = f"/{value}/"
        return queryset.filter(
            Q(authority__path__contains=below) | Q(facility__authority__path__contains=below)
        )


@extend_schema_view(
    list=extend_schema(
        summary="Correspondence register",
        description="NPM staff see every letter; a liaison the letters exchanged with its authority "
        "and its subordinate bodies and places. Read-only: letters are registered on the pages.",
    ),
    retrieve=extend_schema(summary="A letter", responses={200: LetterOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["recommendations"])
class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Letter.objects.none()
    serializer_class = LetterOut
    filterset_class = LetterFilterSet

    def get_queryset(self) -> QuerySet[Letter]:
        user = self.request.user
        visible = letters_visible_to(user)
        return (
            visible.select_related("authority", "facility")
            .prefetch_related(
                Prefetch(
                    "recommendations",
                    queryset=recommendations_visible_to(user).only("id").order_by("id"),
                )
            )
            .annotate(
                reply_visible_id=_visible_id(letters_visible_to(user), "in_reply_to_id"),
                escalation_visible_id=_visible_id(letters_visible_to(user), "escalation_of_id"),
                report_visible_id=_visible_id(_visible_reports(user), "report_id"),
            )
            .order_by("-registered_on", "-id")
        )
