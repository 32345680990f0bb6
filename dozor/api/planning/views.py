"""Visit planning over the API: plans, planned visits with their groups, explained risk scores,
incidents, cost rates and the optimiser's proposals.

The same rules as the planning pages: every endpoint needs ``planning.view`` (coordinators, council
members, monitors) - liaisons and trainers get 403 everywhere, as on the pages, and anonymous
users 401. Every queryset starts from ``dozor.planning.access``; an unannounced planned visit is secret:
besides coordinators only its own group sees it, and it is neither listed nor counted for anyone
else. Each response that shows secret visits is recorded in the audit log
(``audit_secret_views``). Writes need ``planning.manage`` (coordinators; 403 otherwise) and go
through ``dozor.planning.services`` / ``dozor.planning.optimiser.proposals`` (``ValidationError`` -> 400 with its
messages; nothing is written).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import django_filters as filters
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dozor.accounts.access import AnyUser, can, visit_types_visible_to
from dozor.api.filters import YearFilter
from dozor.api.planning.serializers import (
    CancelIn,
    CostRateOut,
    IncidentOut,
    MoveIn,
    PlanIn,
    PlannedVisitIn,
    PlannedVisitOut,
    PlanOut,
    ProposalDetailOut,
    ProposalOut,
    ProposeIn,
    RiskScoreOut,
    RiskScoresQuery,
)
from dozor.api.views import NOT_FOUND, VALIDATION_ERROR, request_actor, service_call
from dozor.facilities.access import facilities_visible_to, facility_for_user
from dozor.facilities.models import Facility
from dozor.people.access import persons_visible_to
from dozor.planning.access import (
    audit_secret_views,
    cost_rates_visible_to,
    incidents_visible_to,
    plan_for_user,
    planned_visit_for_user,
    planned_visits_visible_to,
    plans_visible_to,
    proposal_for_user,
    proposals_visible_to,
)
from dozor.planning.models import CostRate, GroupMember, Incident, Plan, PlannedVisit, Proposal
from dozor.planning.optimiser import proposals
from dozor.planning.risk import scores as risk
from dozor.planning.services import (
    PlannedVisitData,
    plan_create,
    planned_visit_cancel,
    planned_visit_create,
    planned_visit_move,
)

VIA = "api"
NOT_PLANNER = OpenApiResponse(
    description="Signed in but not allowed: reading needs planning rights (coordinators, council "
    "members, monitors), writing is for coordinators."
)


class CanPlan(permissions.BasePermission):
    """Reading needs ``planning.view``; any write needs ``planning.manage``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not can(request.user, "planning.view"):
            return False
        return request.method in permissions.SAFE_METHODS or can(request.user, "planning.manage")


PLANNING_PERMISSIONS = [permissions.IsAuthenticated, CanPlan]


def _with_group(visits: QuerySet[PlannedVisit]) -> QuerySet[PlannedVisit]:
    return visits.select_related("plan", "facility__region", "facility__type", "visit_type").prefetch_related(
        Prefetch("group", queryset=GroupMember.objects.select_related("person").order_by("role", "id"))
    )


def _visible_counts(user: AnyUser, plans: list[Plan]) -> None:
    """Attach to each plan the counts and cost of the visits ``user`` may see (one query)."""
    counts: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "total": 0,
            "planned": 0,
            "done": 0,
            "cancelled": 0,
            "announced": 0,
            "unannounced": 0,
            "estimated_cost": Decimal("0"),
        }
    )
    rows = (
        planned_visits_visible_to(user)
        .filter(plan_id__in=[p.pk for p in plans])
        .values("plan_id", "status", "announced")
        .annotate(n=Count("pk"), cost=Sum("estimated_cost"))
        .order_by()
    )
    for row in rows:
        item = counts[row["plan_id"]]
        item["total"] += row["n"]
        item[row["status"]] += row["n"]
        item["announced" if row["announced"] else "unannounced"] += row["n"]
        if row["status"] != PlannedVisit.Status.CANCELLED:
            item["estimated_cost"] += row["cost"] or Decimal("0")
    for plan in plans:
        plan.visible_counts = counts[plan.pk]  # type: ignore[attr-defined]


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# ---------------------------------------------------------------- plans


class PlanFilterSet(filters.FilterSet):
    year = YearFilter(field_name="year", label="Year.")
    status = filters.ChoiceFilter(choices=Plan.Status.choices)

    class Meta:
        model = Plan
        fields = ["year", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Visit plans",
        description="Each with the counts of its visits visible to you.",
        responses={200: PlanOut(many=True), 403: NOT_PLANNER},
    ),
    retrieve=extend_schema(
        summary="A visit plan", responses={200: PlanOut, 403: NOT_PLANNER, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["planning"])
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Plan.objects.none()
    serializer_class = PlanOut
    filterset_class = PlanFilterSet
    permission_classes = PLANNING_PERMISSIONS

    def get_queryset(self) -> QuerySet[Plan]:
        return plans_visible_to(self.request.user).order_by("-year", "quarter", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page if page is not None else self.filter_queryset(self.get_queryset()))
        _visible_counts(request.user, rows)
        data = PlanOut(rows, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = plan_for_user(request.user, self.kwargs["pk"])
        return Response(self._out(plan))

    def _out(self, plan: Plan) -> Any:
        _visible_counts(self.request.user, [plan])
        return PlanOut(plan, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Create a visit plan",
        description="An annual plan (no quarter) or a quarterly one; one per year or quarter.",
        request=PlanIn,
        responses={201: PlanOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PlanIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = service_call(plan_create, actor=request_actor(request), **serializer.validated_data)
        return Response(self._out(plan), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ask the optimiser for a proposal",
        description="Chooses places and forms their groups to cover the most risk within the budget "
        "(method cp_sat) or highest risk first (greedy). The plan is unchanged until the proposal is "
        "accepted. Returns the proposal's summary.",
        request=ProposeIn,
        filters=False,
        responses={201: ProposalOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="propose", filterset_class=None, pagination_class=None)
    def propose(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        plan = plan_for_user(request.user, pk, manage=True)
        serializer = ProposeIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = service_call(
            proposals.proposal_create, actor=request_actor(request), plan=plan, **serializer.validated_data
        )
        return Response(ProposalOut(proposal).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- planned visits


class PlannedVisitFilterSet(filters.FilterSet):
    plan = filters.NumberFilter(field_name="plan_id", label="Plan id.")
    year = YearFilter(field_name="plan__year", label="The plan's year.")
    status = filters.ChoiceFilter(choices=PlannedVisit.Status.choices)
    announced = filters.BooleanFilter(label="true: announced visits only; false: unannounced only.")
    facility = filters.NumberFilter(field_name="facility_id", label="Facility id.")
    starts_on = filters.DateFromToRangeFilter(
        label="Start date range: starts_on_after and/or starts_on_before (inclusive)."
    )

    class Meta:
        model = PlannedVisit
        fields = ["plan", "year", "status", "announced", "facility", "starts_on"]


@extend_schema_view(
    list=extend_schema(
        summary="Planned visits",
        description="With their groups and estimated cost. Unannounced visits appear only for "
        "coordinators and the visit's own group; showing them is recorded in the audit log.",
        responses={200: PlannedVisitOut(many=True), 403: NOT_PLANNER},
    ),
    retrieve=extend_schema(
        summary="A planned visit", responses={200: PlannedVisitOut, 403: NOT_PLANNER, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["planning"])
class PlannedVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = PlannedVisit.objects.none()
    serializer_class = PlannedVisitOut
    filterset_class = PlannedVisitFilterSet
    permission_classes = PLANNING_PERMISSIONS

    def get_queryset(self) -> QuerySet[PlannedVisit]:
        return _with_group(planned_visits_visible_to(self.request.user)).order_by("starts_on", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        audit_secret_views(request.user, rows, via=VIA)
        data = PlannedVisitOut(rows, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._out(planned_visit_for_user(request.user, self.kwargs["pk"])))

    def _out(self, visit: PlannedVisit) -> Any:
        fresh = self.get_queryset().get(pk=visit.pk)
        audit_secret_views(self.request.user, [fresh], via=VIA)
        return PlannedVisitOut(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Add a visit to a plan",
        description="The group is checked against every visiting-group rule (size, one leader, "
        "eligibility, participation, availability, conflicts of interest, competencies, expertise, "
        "a woman where needed, languages, double booking); every broken rule is returned (400).",
        request=PlannedVisitIn,
        responses={201: PlannedVisitOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PlannedVisitIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        plan = plans_visible_to(user).filter(pk=data["plan"]).first()
        if plan is None:
            raise _bad("plan", _("No such plan."))
        facility = facilities_visible_to(user).filter(pk=data["facility"]).first()
        if facility is None:
            raise _bad("facility", _("No such facility."))
        visit_type = visit_types_visible_to(user).filter(code=data["visit_type"]).first()
        if visit_type is None:
            raise _bad("visit_type", _("No such visit type."))
        wanted = [item["person"] for item in data["members"]]
        persons = persons_visible_to(user).in_bulk(wanted)
        missing = sorted({pk for pk in wanted if pk not in persons})
        if missing:
            raise _bad("members", _("No such person: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
        visit = service_call(
            planned_visit_create,
            actor=request_actor(request),
            plan=plan,
            data=PlannedVisitData(
                facility=facility,
                visit_type=visit_type,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                announced=data["announced"],
                objectives=data["objectives"],
            ),
            members=[(persons[item["person"]], item["role"]) for item in data["members"]],
        )
        return Response(self._out(visit), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a planned visit to other dates",
        description="The group is checked again on the new dates.",
        request=MoveIn,
        filters=False,
        responses={200: PlannedVisitOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="move", filterset_class=None, pagination_class=None)
    def move(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        visit = planned_visit_for_user(request.user, pk, manage=True)
        serializer = MoveIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = service_call(
            planned_visit_move, actor=request_actor(request), visit=visit, **serializer.validated_data
        )
        return Response(self._out(visit))

    @extend_schema(
        summary="Cancel a planned visit",
        request=CancelIn,
        filters=False,
        responses={200: PlannedVisitOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="cancel", filterset_class=None, pagination_class=None)
    def cancel(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        visit = planned_visit_for_user(request.user, pk, manage=True)
        serializer = CancelIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = service_call(
            planned_visit_cancel,
            actor=request_actor(request),
            visit=visit,
            reason=serializer.validated_data["reason"],
        )
        return Response(self._out(visit))


# ---------------------------------------------------------------- risk scores


@extend_schema(tags=["planning"])
class RiskScoreViewSet(viewsets.GenericViewSet):
    """Explained risk scores of the active places visible to you, highest first."""

    queryset = Facility.objects.none()
    serializer_class = RiskScoreOut
    permission_classes = PLANNING_PERMISSIONS
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Facility]:
        return facilities_visible_to(self.request.user).filter(status=Facility.Status.ACTIVE)

    @extend_schema(
        summary="Risk scores of places",
        description="Every active place you may see with its score and the points of each factor, "
        "highest score first.",
        parameters=[RiskScoresQuery],
        responses={200: RiskScoreOut(many=True), 400: VALIDATION_ERROR, 403: NOT_PLANNER},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = RiskScoresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        places = self.get_queryset()
        if query.validated_data.get("region"):
            places = places.filter(region__code=query.validated_data["region"])
        if query.validated_data.get("type"):
            places = places.filter(type__code=query.validated_data["type"])
        on = query.validated_data.get("on") or timezone.localdate()
        ids = list(places.values_list("pk", flat=True))
        scores = sorted(
            risk.score_facilities(ids, on=on, viewer=request.user).values(),
            key=lambda s: (-s.total, s.facility_id),
        )
        page: list[risk.RiskScore] | None = self.paginate_queryset(scores)  # type: ignore[arg-type]
        rows = list(page if page is not None else scores)
        facilities = Facility.objects.select_related("region", "type").in_bulk([s.facility_id for s in rows])
        data = RiskScoreOut(
            [{"facility": facilities[s.facility_id], "total": s.total, "parts": s.parts} for s in rows],
            many=True,
        ).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="The risk score of one place",
        description="The id is the facility's.",
        responses={200: RiskScoreOut, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        facility = facility_for_user(request.user, pk)
        score = risk.score_facilities([facility.pk], viewer=request.user).get(facility.pk)
        if score is None or facility.status != Facility.Status.ACTIVE:
            raise Http404
        return Response(RiskScoreOut({"facility": facility, "total": score.total, "parts": score.parts}).data)


# ---------------------------------------------------------------- incidents and cost rates


class IncidentFilterSet(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility_id", label="Facility id.")
    kind = filters.ChoiceFilter(choices=Incident.Kind.choices)
    occurred_on = filters.DateFromToRangeFilter(
        label="Date range: occurred_on_after and/or occurred_on_before (inclusive)."
    )

    class Meta:
        model = Incident
        fields = ["facility", "kind", "occurred_on"]


@extend_schema_view(
    list=extend_schema(
        summary="Incidents (risk signals)",
        description="Deaths, injuries, hunger strikes, reprisal allegations and complaints about the "
        "places you may see, newest first.",
        responses={200: IncidentOut(many=True), 403: NOT_PLANNER},
    ),
    retrieve=extend_schema(
        summary="An incident", responses={200: IncidentOut, 403: NOT_PLANNER, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["planning"])
class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Incident.objects.none()
    serializer_class = IncidentOut
    filterset_class = IncidentFilterSet
    permission_classes = PLANNING_PERMISSIONS

    def get_queryset(self) -> QuerySet[Incident]:
        return (
            incidents_visible_to(self.request.user)
            .filter(facility__in=facilities_visible_to(self.request.user))
            .select_related("facility")
            .order_by("-occurred_on", "-id")
        )


@extend_schema_view(
    list=extend_schema(
        summary="Cost rates",
        description="The country pack's rates; region null is the default for every region.",
        responses={200: CostRateOut(many=True), 403: NOT_PLANNER},
    ),
    retrieve=extend_schema(
        summary="A cost rate", responses={200: CostRateOut, 403: NOT_PLANNER, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["planning"])
class CostRateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CostRate.objects.none()
    serializer_class = CostRateOut
    permission_classes = PLANNING_PERMISSIONS
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CostRate]:
        return (
            cost_rates_visible_to(self.request.user)
            .select_related("region")
            .order_by("kind", "region__code", "id")
        )


# ---------------------------------------------------------------- proposals


class ProposalFilterSet(filters.FilterSet):
    plan = filters.NumberFilter(field_name="plan_id", label="Plan id.")
    status = filters.ChoiceFilter(choices=Proposal.Status.choices)

    class Meta:
        model = Proposal
        fields = ["plan", "status"]


def _proposal_detail(proposal: Proposal) -> Any:
    rows = [
        {
            "facility": row.facility,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "members": [{"person": person, "role": role} for person, role in row.members],
            "cost": row.cost,
            "risk": row.risk,
            "announced": row.announced,
        }
        for row in proposals.proposal_rows(proposal)
    ]
    data = ProposalOut(proposal).data
    return {**data, "rows": ProposalDetailOut({"rows": rows}).data["rows"]}


@extend_schema_view(
    list=extend_schema(
        summary="The optimiser's proposals",
        description="Coordinators only (a proposal holds unannounced visits of every group).",
        responses={200: ProposalOut(many=True), 403: NOT_PLANNER},
    ),
    retrieve=extend_schema(
        summary="A proposal with its proposed visits and groups",
        responses={200: ProposalDetailOut, 403: NOT_PLANNER, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["planning"])
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Proposal.objects.none()
    serializer_class = ProposalOut
    filterset_class = ProposalFilterSet
    permission_classes = PLANNING_PERMISSIONS

    def get_queryset(self) -> QuerySet[Proposal]:
        return proposals_visible_to(self.request.user).select_related("plan").order_by("-created_at", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_proposal_detail(proposal_for_user(request.user, self.kwargs["pk"])))

    @extend_schema(
        summary="Accept a proposal",
        description="Its visits are added to the plan (each group checked again); returns the proposal.",
        request=None,
        filters=False,
        responses={200: ProposalDetailOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="accept", filterset_class=None, pagination_class=None)
    def accept(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        proposal = proposal_for_user(request.user, pk)
        service_call(proposals.proposal_accept, actor=request_actor(request), proposal=proposal)
        return Response(_proposal_detail(proposal_for_user(request.user, pk)))

    @extend_schema(
        summary="Reject a proposal",
        description="The plan is unchanged; returns the proposal.",
        request=None,
        filters=False,
        responses={200: ProposalDetailOut, 400: VALIDATION_ERROR, 403: NOT_PLANNER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="reject", filterset_class=None, pagination_class=None)
    def reject(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        proposal = proposal_for_user(request.user, pk)
        service_call(proposals.proposal_reject, actor=request_actor(request), proposal=proposal)
        return Response(_proposal_detail(proposal_for_user(request.user, pk)))
