"""A visit's findings and reports over the API.

Same rules as the pages (``dozor.visits.access``): findings and reports are internal, not confidential,
so whoever sees the visit sees them (coordinators and council members every visit, a monitor the
visits whose team they are on); liaisons and trainers get empty lists and 404s, anonymous users
401. Findings are recorded and changed through ``dozor.visits.findings.services`` by those who record
the visit (coordinators and monitors on its team; 403 for other readers); a ``ValidationError``
becomes a 400 with the service's messages and nothing is written. Reports are read-only here:
their workflow (editing, review, approval, sending) happens on the pages.

Interviews and evidence deliberately have NO endpoints. They are the confidential material of a
visit (notes and identities of people deprived of liberty, photos and documents): they are read
only on the pages, where every read of the decrypted notes and every view or download of a file
is recorded in the audit log, and where the team can judge what it shows. A bulk JSON interface
would make copying them out easy and unaudited. The only trace of evidence here is the list of
evidence ids a finding cites, shown only to those who may read the evidence itself.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters as filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dozor.accounts.access import AnyUser
from dozor.api.views import NOT_FOUND, VALIDATION_ERROR, request_actor, service_call, stale_response
from dozor.api.visits.serializers import FindingChangeIn, FindingIn, FindingOut, ReportOut
from dozor.core.revisions import StaleRevision
from dozor.standards.access import provisions_visible_to, themes_visible_to
from dozor.standards.models import Provision, Theme
from dozor.visits.access import (
    evidence_visible_to,
    finding_for_user,
    findings_visible_to,
    report_for_user,
    reports_visible_to,
    visits_visible_to,
)
from dozor.visits.findings.selectors import withhold_sensitive
from dozor.visits.findings.services import finding_create, finding_update
from dozor.visits.models import Answer, Finding, Report, ReportSection

NOT_RECORDER = OpenApiResponse(
    description="Signed in but not allowed to record findings for this visit "
    "(coordinators and monitors on its team are)."
)


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# ---------------------------------------------------------------- findings


class FindingFilterSet(filters.FilterSet):
    visit = filters.NumberFilter(field_name="visit_id", label="Visit id.")
    severity = filters.ChoiceFilter(choices=Finding.Severity.choices)
    theme = filters.CharFilter(field_name="theme__code", label="Theme code.")

    class Meta:
        model = Finding
        fields = ["visit", "severity", "theme"]


def _findings(user: AnyUser) -> QuerySet[Finding]:
    """Findings with their links in a fixed number of queries; evidence ids only where the user may
    read the evidence (council members read findings, not the files behind them)."""
    return (
        findings_visible_to(user)
        .select_related("theme")
        .prefetch_related(
            Prefetch("provisions", queryset=Provision.objects.only("code").order_by("code")),
            Prefetch("answers", queryset=Answer.objects.only("id").order_by("id")),
            Prefetch("evidence", queryset=evidence_visible_to(user).only("id").order_by("id")),
        )
        .order_by("visit_id", "theme__sort_order", "id")
    )


def _links(user: AnyUser, data: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from checked input: the theme and provisions by code."""
    values = dict(data)
    theme: Theme | None = themes_visible_to(user).filter(code=values["theme"]).first()
    if theme is None:
        raise _bad("theme", _("No such theme."))
    values["theme"] = theme
    codes = list(dict.fromkeys(values.get("provisions", [])))
    found = dict(provisions_visible_to(user).filter(code__in=codes).values_list("code", "pk"))
    missing = [code for code in codes if code not in found]
    if missing:
        raise _bad("provisions", _("No such provision: %(codes)s.") % {"codes": ", ".join(missing)})
    values["provisions"] = [found[code] for code in codes]
    return values


def _current(finding: Finding) -> dict[str, Any]:
    """A finding's values in the input's shape, the base of a PATCH."""
    return {
        "theme": finding.theme.code,
        "severity": finding.severity,
        "title": finding.title,
        "location": finding.location,
        "description": finding.description,
        "sources": list(finding.sources),
        "provisions": list(finding.provisions.order_by("code").values_list("code", flat=True)),
        "answers": list(finding.answers.order_by("id").values_list("id", flat=True)),
        "evidence": list(finding.evidence.order_by("id").values_list("id", flat=True)),
        "possible_ill_treatment": finding.possible_ill_treatment,
        "sensitive": finding.sensitive,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Findings of the visits visible to you",
        description="Coordinators and council members see every visit's findings, a monitor those "
        "of the visits whose team they are on; other roles see none.",
    ),
    retrieve=extend_schema(summary="A finding", responses={200: FindingOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["visits"])
class FindingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Finding.objects.none()
    serializer_class = FindingOut
    filterset_class = FindingFilterSet

    def get_queryset(self) -> QuerySet[Finding]:
        return _findings(self.request.user)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # A sensitive finding's description only for the visit's team and coordinators.
        if args and args[0] is not None and not isinstance(args[0], dict):
            instance = args[0]
            screened = withhold_sensitive(self.request.user, instance if kwargs.get("many") else [instance])
            if kwargs.get("many"):
                args = (screened, *args[1:])
        return super().get_serializer(*args, **kwargs)

    def _out(self, finding: Finding, code: int = status.HTTP_200_OK) -> Response:
        fresh = _findings(self.request.user).get(pk=finding.pk)
        withhold_sensitive(self.request.user, [fresh])
        return Response(FindingOut(fresh).data, status=code)

    @extend_schema(
        summary="Record a finding",
        description="A critical or serious finding needs at least two different sources; answers "
        "and evidence must come from the visit itself. Marking it as possible ill-treatment notifies "
        "the coordinators at once. Every problem is returned together (400, nothing written).",
        request=FindingIn,
        responses={201: FindingOut, 400: VALIDATION_ERROR, 403: NOT_RECORDER},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = FindingIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _links(request.user, serializer.validated_data)
        values.pop("revision", None)  # a new finding has none to compare
        visit = visits_visible_to(request.user).filter(pk=values.pop("visit")).first()
        if visit is None:
            raise _bad("visit", _("No such visit."))
        actor = request_actor(request)
        finding = service_call(finding_create, actor=actor, visit=visit, **values)
        return self._out(finding, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a finding",
        description="Replaces its values and links (PUT) or only those given (PATCH), with the same "
        "checks as when it was recorded. The urgent-action notification is sent once per finding. "
        "With `revision`, a finding changed since that revision is not overwritten (409).",
        request=FindingChangeIn,
        responses={
            200: FindingOut,
            400: VALIDATION_ERROR,
            403: NOT_RECORDER,
            404: NOT_FOUND,
            409: stale_response(FindingOut, "finding"),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        finding = finding_for_user(request.user, self.kwargs["pk"], record=True)
        partial = bool(kwargs.get("partial"))
        serializer = FindingChangeIn(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {**_current(finding), **serializer.validated_data} if partial else serializer.validated_data
        actor = request_actor(request)
        values = _links(actor, data)
        base_revision = values.pop("revision", None)
        try:
            finding = service_call(
                finding_update, actor=actor, finding=finding, base_revision=base_revision, **values
            )
        except StaleRevision as stale:
            return self._out(cast(Finding, stale.current), status.HTTP_409_CONFLICT)
        return self._out(finding)

    @extend_schema(
        summary="Change some of a finding's values",
        request=FindingChangeIn,
        responses={
            200: FindingOut,
            400: VALIDATION_ERROR,
            403: NOT_RECORDER,
            404: NOT_FOUND,
            409: stale_response(FindingOut, "finding"),
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


# ---------------------------------------------------------------- reports


class ReportFilterSet(filters.FilterSet):
    visit = filters.NumberFilter(field_name="visit_id", label="Visit id.")
    status = filters.ChoiceFilter(choices=Report.Status.choices)

    class Meta:
        model = Report
        fields = ["visit", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Visit reports",
        description="The reports of the visits visible to you, in every status, with the text of "
        "their sections. Read-only: reports are written, reviewed, approved and sent on the pages.",
    ),
    retrieve=extend_schema(summary="A visit report", responses={200: ReportOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["visits"])
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Report.objects.none()
    serializer_class = ReportOut
    filterset_class = ReportFilterSet

    def get_queryset(self) -> QuerySet[Report]:
        return (
            reports_visible_to(self.request.user)
            .prefetch_related(Prefetch("sections", queryset=ReportSection.objects.order_by("order", "id")))
            .order_by("-visit__started_on", "-id")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = report_for_user(request.user, self.kwargs["pk"])  # 404 outside the user's visits
        return Response(ReportOut(self.get_queryset().get(pk=report.pk)).data)
