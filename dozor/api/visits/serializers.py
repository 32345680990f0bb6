"""Explicit shapes of a visit's findings and reports over the API.

Input serializers only parse and check shapes: ``dozor.visits.findings.services`` checks the rules
(sources cross-checked, links from the visit's own checklists and evidence, urgent action). The
theme and provisions are named by code and looked up by the view through the access helpers.

Interviews and evidence have no shapes here on purpose: see ``dozor.api.visits.views``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dozor.api.methodology.serializers import _choice, _codes
from dozor.api.serializers import revision_in, revision_out
from dozor.visits.models import Finding, Report, ReportSection


@extend_schema_field(OpenApiTypes.INT)
class IdField(serializers.PrimaryKeyRelatedField):
    """A related row shown by its id."""


CHOICE_LIST_HELP = "One or more of: " + ", ".join(Finding.Source.values) + "."


class FindingOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    visit = serializers.IntegerField(source="visit_id", read_only=True, help_text="Visit id.")
    theme = serializers.CharField(source="theme.code", read_only=True, help_text="Theme code.")
    severity = _choice(Finding.Severity.choices)
    title = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True, help_text="Where in the facility; may be empty.")
    description = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Null when the finding is sensitive and you may not read it (details_withheld).",
    )
    sensitive = serializers.BooleanField(
        read_only=True,
        help_text="Details that could identify a person or expose a health matter: the description is read "
        "only by the visit's team and coordinators.",
    )
    details_withheld = serializers.SerializerMethodField(
        help_text="True when the description is withheld from you because the finding is sensitive."
    )
    sources = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The sources that confirm the finding."
    )
    provisions = _codes(help_text="Codes of the provisions breached.")
    answers = IdField(
        many=True, read_only=True, help_text="Ids of the checklist answers that support the finding."
    )
    evidence = IdField(
        many=True,
        read_only=True,
        help_text="Ids of the evidence files behind the finding: only for coordinators and the "
        "visit's team (evidence is confidential); empty for everyone else.",
    )
    possible_ill_treatment = serializers.BooleanField(read_only=True)
    urgent_notified_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the coordinators were notified (urgent action)."
    )
    revision = revision_out()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @staticmethod
    def _withheld(instance: Finding) -> bool:
        # Screened by the view (dozor.visits.findings.selectors.withhold_sensitive); a finding that was
        # not screened keeps a sensitive description to itself (the safe side).
        return bool(getattr(instance, "details_withheld", instance.sensitive))

    def get_details_withheld(self, instance: Finding) -> bool:
        return self._withheld(instance)

    def to_representation(self, instance: Finding) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if self._withheld(instance):
            data["description"] = None
        return data


class FindingChangeIn(serializers.Serializer):
    """A finding's values; a PUT replaces all of them (and its links), a PATCH only those given."""

    theme = serializers.CharField(help_text="Theme code.")
    severity = serializers.ChoiceField(choices=Finding.Severity.choices)
    title = serializers.CharField(max_length=300, allow_blank=True)
    location = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    description = serializers.CharField(allow_blank=True)
    sources = serializers.ListField(
        child=serializers.CharField(max_length=20), allow_empty=True, help_text=CHOICE_LIST_HELP
    )
    provisions = serializers.ListField(
        child=serializers.CharField(max_length=80),
        required=False,
        default=list,
        help_text="Codes of the provisions breached.",
    )
    answers = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of answers from this visit's checklist submissions.",
    )
    evidence = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of evidence files of this visit.",
    )
    possible_ill_treatment = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Possible torture or ill-treatment: the first time it is set the coordinators are "
        "notified at once (urgent action).",
    )
    sensitive = serializers.BooleanField(
        required=False,
        help_text="Mark the description as sensitive (read only by the visit's team and coordinators, never "
        "in a document that leaves the NPM). Left as it is when not given; false for a new finding.",
    )
    revision = revision_in()


class FindingIn(FindingChangeIn):
    visit = serializers.IntegerField(help_text="Id of the visit the finding belongs to.")


class ReportSectionOut(serializers.Serializer):
    key = _choice(ReportSection.Key.choices)
    order = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="The section's text as last saved.")
    revision = serializers.IntegerField(read_only=True, help_text="Grows with every save.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    visit = serializers.IntegerField(source="visit_id", read_only=True, help_text="Visit id.")
    status = _choice(Report.Status.choices)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sent_on = serializers.DateField(read_only=True, allow_null=True)
    sent_to = serializers.CharField(read_only=True)
    sent_reference = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    sections = ReportSectionOut(many=True, read_only=True)
