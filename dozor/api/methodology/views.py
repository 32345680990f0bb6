"""Standards, checklist templates (methodology) and visits over the API.

Like ``dozor.api.views``: every queryset starts from the app's ``*_visible_to(request.user)`` helper,
objects outside it are 404, writes go through the services (``PermissionDenied`` -> 403,
``ValidationError`` -> 400 with its messages). Liaisons see no methodology and no visits (empty
lists, 404 on details); trainers read standards and methodology but no visits; a monitor sees
only the visits whose team they are on.
"""

from __future__ import annotations

import json
from typing import Any

import django_filters as filters
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dozor.accounts.access import AnyUser, can
from dozor.api.methodology.serializers import (
    ChecklistTemplateOut,
    InstrumentOut,
    ProvisionOut,
    SubmissionOut,
    SubmissionsImportErrorOut,
    SubmissionsImportIn,
    SubmissionsImportOut,
    TemplateVersionDetailOut,
    TemplateVersionOut,
    ThemeOut,
    VisitOut,
    XLSFormImportIn,
)
from dozor.api.views import NOT_FOUND, VALIDATION_ERROR, ReferenceViewSet, request_actor, service_call
from dozor.core.files import file_response
from dozor.core.formkeys import EXPORT_MODES, xlsform_export_settings
from dozor.core.search import search_words
from dozor.methodology.access import (
    template_for_user,
    templates_visible_to,
    version_for_user,
    versions_visible_to,
)
from dozor.methodology.models import ChecklistTemplate, Question, Section, TemplateVersion
from dozor.methodology.services import version_import_xlsform, version_new_draft, version_publish
from dozor.methodology.xlsform import XLSFormError, export_version
from dozor.standards.access import instruments_visible_to, provisions_visible_to, themes_visible_to
from dozor.standards.models import Instrument, Provision, Theme
from dozor.visits.access import visit_for_user, visits_visible_to
from dozor.visits.models import TeamMember, Visit
from dozor.visits.selectors import visit_submissions
from dozor.visits.services import submissions_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_COORDINATOR = OpenApiResponse(description="Signed in but not allowed to change checklists.")
NOT_RECORDER = OpenApiResponse(
    description="Signed in but not allowed to record checklists for this visit "
    "(coordinators and monitors on its team are)."
)


class XLSXRenderer(BaseRenderer):
    """Lets a client ask for the workbook with ``Accept: <xlsx media type>``; errors stay JSON text."""

    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


# ---------------------------------------------------------------- standards


class InstrumentFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Instrument.Kind.choices)

    class Meta:
        model = Instrument
        fields = ["kind"]


class ProvisionFilterSet(filters.FilterSet):
    instrument = filters.CharFilter(field_name="instrument__code", label="Instrument code.")
    theme = filters.CharFilter(field_name="theme__code", label="Theme code.")
    q = filters.CharFilter(method="search", label="Words to find in the code, number, titles or summaries.")

    class Meta:
        model = Provision
        fields = ["instrument", "theme", "q"]

    def search(self, queryset: QuerySet[Provision], name: str, value: str) -> QuerySet[Provision]:
        # search_text is stored folded by search_fold, so folding the words the same way makes the
        # search caseless in every script and forgiving of "№ 2" / "N2", dashes and punctuation.
        for word in search_words(value):
            queryset = queryset.filter(search_text__contains=word)
        return queryset


@extend_schema_view(
    list=extend_schema(summary="Monitoring themes"), retrieve=extend_schema(summary="A theme")
)
@extend_schema(tags=["standards"])
class ThemeViewSet(ReferenceViewSet):
    queryset = Theme.objects.none()
    serializer_class = ThemeOut

    def get_queryset(self) -> QuerySet[Theme]:
        return themes_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Instruments: treaties, UN standards, national laws"),
    retrieve=extend_schema(summary="An instrument", responses={200: InstrumentOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["standards"])
class InstrumentViewSet(ReferenceViewSet):
    queryset = Instrument.objects.none()
    serializer_class = InstrumentOut
    filterset_class = InstrumentFilterSet

    def get_queryset(self) -> QuerySet[Instrument]:
        return instruments_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Provisions of the instruments"),
    retrieve=extend_schema(summary="A provision", responses={200: ProvisionOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["standards"])
class ProvisionViewSet(ReferenceViewSet):
    queryset = Provision.objects.none()
    serializer_class = ProvisionOut
    filterset_class = ProvisionFilterSet

    def get_queryset(self) -> QuerySet[Provision]:
        user = self.request.user
        return (
            provisions_visible_to(user)
            .select_related("instrument", "theme")
            .prefetch_related(Prefetch("see_also", queryset=provisions_visible_to(user).only("code")))
        )


# ---------------------------------------------------------------- checklist templates


def _version_content(user: AnyUser) -> list[Prefetch[Any]]:
    """Prefetches for a version's sections, questions and provision codes (a fixed number of queries)."""
    questions = Question.objects.prefetch_related(
        Prefetch("provisions", queryset=provisions_visible_to(user).only("code"))
    )
    sections = Section.objects.select_related("theme").prefetch_related(
        Prefetch("questions", queryset=questions)
    )
    return [Prefetch("sections", queryset=sections)]


def _versions(user: AnyUser) -> QuerySet[TemplateVersion]:
    return versions_visible_to(user).select_related("template", "created_by", "published_by")


@extend_schema_view(
    list=extend_schema(summary="Checklist templates", description="Each with a summary of its versions."),
    retrieve=extend_schema(
        summary="A checklist template", responses={200: ChecklistTemplateOut, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["methodology"])
class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ChecklistTemplate.objects.none()
    serializer_class = ChecklistTemplateOut

    def get_queryset(self) -> QuerySet[ChecklistTemplate]:
        user = self.request.user
        return templates_visible_to(user).prefetch_related(
            "facility_types", Prefetch("versions", queryset=versions_visible_to(user).order_by("-number"))
        )

    @extend_schema(
        summary="Start a new draft of a template",
        description="Copies the latest version into a new draft (201). A template has at most one "
        "draft: if it already has one, that draft is returned (200).",
        request=None,
        responses={
            200: TemplateVersionDetailOut,
            201: TemplateVersionDetailOut,
            403: NOT_COORDINATOR,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="new-draft")
    def new_draft(self, request: Request, pk: str) -> Response:
        template = template_for_user(request.user, pk, write=True)
        existing = set(template.versions.values_list("pk", flat=True))
        draft = service_call(version_new_draft, actor=request_actor(request), template=template)
        code = status.HTTP_200_OK if draft.pk in existing else status.HTTP_201_CREATED
        return _version_response(request, draft, code)


class TemplateVersionFilterSet(filters.FilterSet):
    template = filters.NumberFilter(field_name="template_id", label="Template id.")
    template_code = filters.CharFilter(field_name="template__code", label="Template code.")
    status = filters.ChoiceFilter(choices=TemplateVersion.Status.choices)

    class Meta:
        model = TemplateVersion
        fields = ["template", "template_code", "status"]


def _version_response(request: Request, version: TemplateVersion, code: int = status.HTTP_200_OK) -> Response:
    fresh = _versions(request.user).prefetch_related(*_version_content(request.user)).get(pk=version.pk)
    return Response(TemplateVersionDetailOut(fresh).data, status=code)


@extend_schema_view(
    list=extend_schema(
        summary="Checklist template versions",
        description="Without their content; retrieve a version for its sections and questions.",
    ),
    retrieve=extend_schema(
        summary="A template version with its sections, questions, choices and provision codes",
        responses={200: TemplateVersionDetailOut, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["methodology"])
class TemplateVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = TemplateVersion.objects.none()
    filterset_class = TemplateVersionFilterSet

    def get_serializer_class(self) -> type[TemplateVersionOut]:
        return TemplateVersionDetailOut if self.action == "retrieve" else TemplateVersionOut

    def get_queryset(self) -> QuerySet[TemplateVersion]:
        versions = _versions(self.request.user)
        if self.action == "retrieve":
            versions = versions.prefetch_related(*_version_content(self.request.user))
        return versions

    @extend_schema(
        summary="The version as an XLSForm workbook",
        description="For ODK Collect, KoboCollect and Enketo: groups per section, labels in kk, ru "
        "and en, and hidden fields that tie every submission to this version. With form encryption on "
        "(DOZOR_FORM_ENCRYPTION), the form carries the NPM's public key (`public_key`) and, by default, "
        "Dozor's `submission_url`.",
        parameters=[
            OpenApiParameter(
                "encryption",
                str,
                enum=list(EXPORT_MODES),
                description="dozor (default): encrypted, sent to Dozor; key: encrypted, for a form put on "
                "ODK Central or KoboToolbox; none: a plain form.",
            )
        ],
        filters=False,
        responses={
            (200, XLSX): OpenApiResponse(response=OpenApiTypes.BINARY, description="The .xlsx file."),
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="xlsform",
        renderer_classes=[JSONRenderer, XLSXRenderer],
        filterset_class=None,
    )
    def xlsform(self, request: Request, pk: str) -> HttpResponse:
        version = version_for_user(request.user, pk)
        site_url = settings.DOZOR_SITE_URL or request.build_absolute_uri("/")
        extra = xlsform_export_settings(request.query_params.get("encryption"), site_url=site_url)
        return file_response(
            export_version(version, **extra), f"{version.form_id}_v{version.number}.xlsx", XLSX
        )

    @extend_schema(
        summary="Publish a draft version",
        description="Checks the version whole; the previously published version is retired. "
        "A published version never changes.",
        request=None,
        filters=False,
        responses={
            200: TemplateVersionDetailOut,
            400: VALIDATION_ERROR,
            403: NOT_COORDINATOR,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="publish", filterset_class=None)
    def publish(self, request: Request, pk: str) -> Response:
        version = version_for_user(request.user, pk, write=True)
        version = service_call(version_publish, actor=request_actor(request), version=version)
        return _version_response(request, version)


class CanEditMethodology(permissions.BasePermission):
    """Checked before the upload is parsed, so that a refused user learns nothing about the file."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can(request.user, "methodology.edit")


@extend_schema(tags=["methodology"])
class XLSFormImportViewSet(viewsets.GenericViewSet):
    queryset = TemplateVersion.objects.none()
    permission_classes = [permissions.IsAuthenticated, CanEditMethodology]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = XLSFormImportIn

    @extend_schema(
        summary="Import an XLSForm as a draft",
        description="Creates a draft of the template whose code is the form's form_id (a new template "
        "if there is none; a form without form_id never becomes a version of another template). Every "
        "construct pyxform accepts is kept (and exported back) or named in import_report, row by row. "
        "A file pyxform refuses is refused whole with pyxform's reason (400, nothing written).",
        request={"multipart/form-data": XLSFormImportIn},
        responses={201: TemplateVersionDetailOut, 400: VALIDATION_ERROR, 403: NOT_COORDINATOR},
    )
    def create(self, request: Request) -> Response:
        serializer = XLSFormImportIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        data = upload.read()
        try:
            version = service_call(
                version_import_xlsform, actor=request_actor(request), data=data, filename=upload.name or ""
            )
        except XLSFormError as exc:
            raise ValidationError({"file": exc.errors}) from exc
        return _version_response(request, version, status.HTTP_201_CREATED)


# ---------------------------------------------------------------- visits


class VisitFilterSet(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility_id", label="Facility id.")
    facility_code = filters.CharFilter(field_name="facility__code", label="Facility code.")
    status = filters.ChoiceFilter(choices=Visit.Status.choices)
    started_on = filters.DateFromToRangeFilter(
        label="Start date range: started_on_after and/or started_on_before (inclusive)."
    )

    class Meta:
        model = Visit
        fields = ["facility", "facility_code", "status", "started_on"]


@extend_schema_view(
    list=extend_schema(
        summary="Visits",
        description="Coordinators and council members see every visit; a monitor sees the visits "
        "whose team they are on; other roles see none.",
    ),
    retrieve=extend_schema(summary="A visit", responses={200: VisitOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["visits"])
class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Visit.objects.none()
    serializer_class = VisitOut
    filterset_class = VisitFilterSet

    def get_queryset(self) -> QuerySet[Visit]:
        return (
            visits_visible_to(self.request.user)
            .select_related("facility", "visit_type", "template_version__template")
            .prefetch_related(
                Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("id"))
            )
        )

    @extend_schema(
        methods=["GET"],
        summary="Checklist submissions of a visit, with their answers",
        description="Newest first.",
        filters=False,
        responses={200: SubmissionOut(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Import checklist submissions into a visit",
        description="An ODK Central export (CSV or CSV.zip) or a KoboToolbox export (JSON or CSV) of "
        "the form exported from the visit's checklist version; the format is detected from the content. "
        "The file is taken whole or not at all: a 400 lists the problems of each submission and nothing "
        "is written. Submissions already imported into this visit are skipped. Coordinators and "
        "monitors on the visit's team may import.",
        request={"multipart/form-data": SubmissionsImportIn},
        responses={
            201: OpenApiResponse(SubmissionsImportOut, description="Submissions were imported."),
            200: OpenApiResponse(
                SubmissionsImportOut,
                description="Nothing new: a dry run, or every submission was already imported.",
            ),
            400: OpenApiResponse(
                SubmissionsImportErrorOut,
                description="Refused whole, nothing written: every problem with its submission and field "
                "(or, for a missing file, field -> messages).",
            ),
            403: NOT_RECORDER,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="submissions",
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def submissions(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._import_submissions(request, pk)
        visit = visit_for_user(request.user, pk)
        rows = visit_submissions(user=request.user, visit=visit)
        page = self.paginate_queryset(rows)
        assert page is not None
        return self.get_paginated_response(SubmissionOut(page, many=True).data)

    def _import_submissions(self, request: Request, pk: str) -> Response:
        visit = visit_for_user(request.user, pk, record=True)
        serializer = SubmissionsImportIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = service_call(
            submissions_import,
            actor=request_actor(request),
            visit=visit,
            data=upload.read(),
            filename=upload.name or "",
            dry_run=serializer.validated_data["dry_run"],
        )
        if not result.ok:
            body = SubmissionsImportErrorOut(result).data
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_201_CREATED if result.created and not result.dry_run else status.HTTP_200_OK
        return Response(SubmissionsImportOut(result).data, status=code)
