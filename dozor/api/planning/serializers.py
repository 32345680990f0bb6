"""Explicit shapes of the planning endpoints (plans, planned visits with their groups, risk scores,
incidents, cost rates, the optimiser's proposals).

Input serializers only parse and check shapes: every write is done by ``dozor.planning.services`` or
``dozor.planning.optimiser.proposals``, which check the visiting-group rules. Objects named in the input (plan,
facility, persons) are looked up by the view through the access helpers.
"""

from __future__ import annotations

from rest_framework import serializers

from dozor.api.methodology.serializers import FacilityBrief, _choice
from dozor.api.serializers import ReferenceOut
from dozor.api.training.serializers import PersonBrief
from dozor.planning.models import CostRate, GroupMember, Incident, Plan, PlannedVisit, Proposal


class PlanBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    year = serializers.IntegerField(read_only=True)
    quarter = serializers.IntegerField(read_only=True, allow_null=True, help_text="1-4; null: annual plan.")
    title = serializers.CharField(read_only=True)


class PlanCountsOut(serializers.Serializer):
    """Counts and cost of the plan's visits *that you may see* (unannounced visits of other groups
    are neither listed nor counted, except for coordinators)."""

    total = serializers.IntegerField(read_only=True)
    planned = serializers.IntegerField(read_only=True)
    done = serializers.IntegerField(read_only=True)
    cancelled = serializers.IntegerField(read_only=True)
    announced = serializers.IntegerField(read_only=True)
    unannounced = serializers.IntegerField(read_only=True)
    estimated_cost = serializers.DecimalField(
        read_only=True,
        help_text="Estimated cost of the visible visits not cancelled.",
        max_digits=14,
        decimal_places=2,
    )


class PlanOut(PlanBrief):
    budget = serializers.DecimalField(read_only=True, max_digits=14, decimal_places=2)
    status = _choice(Plan.Status.choices)
    notes = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    visits = PlanCountsOut(
        source="visible_counts", read_only=True, help_text="Counts of the visits visible to you."
    )


class PlanIn(serializers.Serializer):
    year = serializers.IntegerField(help_text="The plan's year.")
    quarter = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="1-4 for a quarterly plan; omit for annual."
    )
    title = serializers.CharField(max_length=200)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class GroupMemberOut(serializers.Serializer):
    person = PersonBrief(read_only=True)
    role = _choice(GroupMember.Role.choices)


class PlannedVisitOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    plan = PlanBrief(read_only=True)
    facility = FacilityBrief(read_only=True)
    region = serializers.CharField(source="facility.region.code", read_only=True, help_text="Region code.")
    facility_type = serializers.CharField(
        source="facility.type.code", read_only=True, help_text="Facility type code."
    )
    visit_type = ReferenceOut(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    announced = serializers.BooleanField(
        read_only=True, help_text="false: unannounced (secret) - shown only to coordinators and its group."
    )
    objectives = serializers.CharField(read_only=True)
    status = _choice(PlannedVisit.Status.choices)
    source = _choice(PlannedVisit.Source.choices)  # type: ignore[assignment]  # declared field, not Field.source
    locked = serializers.BooleanField(read_only=True)
    risk_score = serializers.DecimalField(read_only=True, max_digits=6, decimal_places=2)
    estimated_cost = serializers.DecimalField(read_only=True, max_digits=14, decimal_places=2)
    cost_breakdown = serializers.JSONField(read_only=True, help_text="Cost lines of the estimate (tenge).")
    group = GroupMemberOut(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class MemberIn(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text="Person id.")
    role = serializers.ChoiceField(choices=GroupMember.Role.choices)


class PlannedVisitIn(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1, help_text="Plan id.")
    facility = serializers.IntegerField(min_value=1, help_text="Facility id.")
    visit_type = serializers.CharField(max_length=40, help_text="Visit type code, e.g. periodic.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    announced = serializers.BooleanField(
        default=False, help_text="Announced in advance; unannounced visits are secret."
    )
    objectives = serializers.CharField(required=False, allow_blank=True, default="")
    members = MemberIn(many=True, allow_empty=False, help_text="The visiting group, exactly one leader.")


class MoveIn(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why the visit is cancelled (kept in the audit log)."
    )


class FacilityRef(serializers.Serializer):
    """A place by id and code only; its names and details are at /api/v1/facilities/{id}/."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)


class FactorPartOut(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Factor name in the language of the request.")
    weight = serializers.FloatField(read_only=True, help_text="The most points the factor can add.")
    value_text = serializers.CharField(read_only=True, help_text="The fact behind the points, in words.")
    share = serializers.FloatField(read_only=True, help_text="0-1: the share of the weight earned.")
    points = serializers.FloatField(read_only=True)


class RiskScoreOut(serializers.Serializer):
    facility = FacilityRef(read_only=True)
    region = serializers.CharField(source="facility.region.code", read_only=True, help_text="Region code.")
    facility_type = serializers.CharField(
        source="facility.type.code", read_only=True, help_text="Facility type code."
    )
    total = serializers.FloatField(read_only=True, help_text="The sum of the factors' points.")
    parts = FactorPartOut(many=True, read_only=True)


class RiskScoresQuery(serializers.Serializer):
    region = serializers.CharField(required=False, help_text="Region code.")
    type = serializers.CharField(required=False, help_text="Facility type code.")
    on = serializers.DateField(
        required=False, help_text="Score as on this date (YYYY-MM-DD); today if omitted."
    )


class IncidentOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    facility = FacilityRef(read_only=True)
    kind = _choice(Incident.Kind.choices)
    occurred_on = serializers.DateField(read_only=True)
    summary = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]  # declared field, not Field.source
    created_at = serializers.DateTimeField(read_only=True)


class CostRateOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = _choice(CostRate.Kind.choices)
    region = serializers.CharField(
        source="region.code", read_only=True, allow_null=True, help_text="Region code; null: the default."
    )
    amount = serializers.DecimalField(read_only=True, max_digits=12, decimal_places=2)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]  # declared field, not Field.source


class ProposeIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=Proposal.Method.choices, default=Proposal.Method.CP_SAT)
    budget = serializers.DecimalField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Budget to plan with; the plan's if omitted.",
        max_digits=14,
        decimal_places=2,
    )
    time_limit = serializers.IntegerField(
        min_value=1, max_value=600, default=20, help_text="Seconds the optimiser may search."
    )


class ProposalOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    plan = PlanBrief(read_only=True)
    method = _choice(Proposal.Method.choices)
    status = _choice(Proposal.Status.choices)
    budget = serializers.DecimalField(read_only=True, max_digits=14, decimal_places=2)
    summary = serializers.JSONField(
        read_only=True, help_text="The proposal's figures (risk covered, cost...)."
    )
    created_at = serializers.DateTimeField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ProposalRowOut(serializers.Serializer):
    facility = FacilityBrief(read_only=True, allow_null=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    members = GroupMemberOut(many=True, read_only=True)
    cost = serializers.IntegerField(read_only=True, help_text="Estimated cost, tenge.")
    risk = serializers.FloatField(read_only=True)
    announced = serializers.BooleanField(read_only=True)


class ProposalDetailOut(ProposalOut):
    rows = ProposalRowOut(many=True, read_only=True, help_text="The proposed visits with their groups.")
