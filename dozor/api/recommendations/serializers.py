"""Explicit shapes of recommendations, their status history, the authorities' responses and the
correspondence register over the API.

Input serializers only parse and check shapes: ``dozor.recommendations.services`` and
``dozor.recommendations.portal.services`` check the rules (addressee, dates, how a status was verified,
attachment types). Related rows are named by code (theme, provisions, authority, status) or by id
(report, place, visit, response, recommendation) and looked up by the view through the access
helpers. Choice values are checked by the services too, so every problem comes back at once.

Reprisal cases have no shapes here on purpose: see ``dozor.api.recommendations.views``.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dozor.api.methodology.serializers import FacilityBrief, _choice, _codes
from dozor.api.serializers import ReferenceOut, revision_in, revision_out
from dozor.recommendations.models import Letter, Recommendation, ResponseAttachment, Status, StatusChange


def _values(choices: list[tuple[str, Any]]) -> str:
    return ", ".join(value for value, _label in choices)


def _choice_in(choices: list[tuple[str, Any]], **kwargs: Any) -> serializers.CharField:
    """A choice given as text: the service checks the value (so its message joins the others); the
    allowed values are documented inline (no enum component, see ``_choice``)."""
    field_class = extend_schema_field(
        {"allOf": [{"type": "string", "enum": [value for value, _label in choices]}]}
    )(type("InlineChoiceInField", (serializers.CharField,), {}))
    kwargs.setdefault("help_text", f"One of: {_values(choices)}.")
    return field_class(max_length=40, **kwargs)


# ---------------------------------------------------------------- reference


class RecommendationStatusOut(ReferenceOut):
    """A status value of the country pack (implemented, partially implemented, no response...)."""

    outcome = _choice(Status.Outcome.choices, help_text="How the status counts in implementation rates.")
    closed = serializers.BooleanField(
        read_only=True, help_text="Ends the follow-up: no more responses or reminders."
    )
    initial = serializers.BooleanField(read_only=True, help_text="The status of a new recommendation.")


class RecommendationStatusBrief(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")
    outcome = _choice(Status.Outcome.choices)
    closed = serializers.BooleanField(read_only=True)


# ---------------------------------------------------------------- recommendations


class ScreeningHitOut(serializers.Serializer):
    field = serializers.CharField(
        read_only=True, help_text="The text it was found in (text_ru, summary, ...)."
    )
    kind = serializers.CharField(read_only=True, help_text="iin, phone, person_name, location, cell_date.")
    kind_label = serializers.CharField(read_only=True, help_text="The kind, in the language of the request.")
    start = serializers.IntegerField(read_only=True, help_text="Offset in that text (what clearing names).")
    text = serializers.CharField(read_only=True)
    cleared = serializers.SerializerMethodField(help_text="Cleared by a second person.")

    def get_cleared(self, obj: Any) -> bool:
        return obj.cleared is not None


class ScreeningOut(serializers.Serializer):
    """What the screening of texts to the authority found (docs/decisions/0030)."""

    withheld = serializers.BooleanField(read_only=True, help_text="The authority does not see it yet.")
    message = serializers.CharField(
        read_only=True, help_text="Why, listing each hit not cleared ('' if sent)."
    )
    hits = ScreeningHitOut(many=True, read_only=True)


def screening_out(obj: Recommendation | Letter, context: dict[str, Any]) -> dict[str, Any] | None:
    """The NPM's view of the screening (null for a liaison: the authority never sees a withheld text)."""
    from dozor.recommendations.access import is_liaison
    from dozor.recommendations.screening import services as screening

    request = context.get("request")
    if request is None or is_liaison(request.user):
        return None
    hits = screening.hits(obj)
    data = {"withheld": obj.withheld, "message": screening.withheld_message(obj), "hits": hits}
    return dict(ScreeningOut(data).data)


class ScreeningClearIn(serializers.Serializer):
    field = serializers.CharField(max_length=20, help_text="The hit's field, as listed.")
    kind = serializers.CharField(max_length=20, help_text="The hit's kind, as listed.")
    start = serializers.IntegerField(
        min_value=0, max_value=1_000_000, help_text="The hit's start, as listed."
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RecommendationOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    # The metaclass moves declared fields off the class, so the name "source" is safe at runtime.
    source = _choice(Recommendation.Source.choices)  # type: ignore[assignment]
    report = serializers.IntegerField(
        source="report_visible_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the visit report it comes from, when you may read that report.",
    )
    source_reference = serializers.CharField(read_only=True, help_text="For other sources: the document.")
    addressee = _choice(Recommendation.Addressee.choices)
    authority = ReferenceOut(read_only=True, allow_null=True, help_text="The authority answerable.")
    facility = FacilityBrief(read_only=True, allow_null=True, help_text="The place, if any.")
    theme = serializers.CharField(source="theme.code", read_only=True, help_text="Theme code.")
    provisions = _codes(help_text="Codes of the provisions it relies on.")
    text = serializers.CharField(read_only=True, help_text="In the language of the request (or another).")
    text_kk = serializers.CharField(read_only=True)
    text_ru = serializers.CharField(read_only=True)
    text_en = serializers.CharField(read_only=True)
    priority = _choice(Recommendation.Priority.choices)
    term = _choice(Recommendation.Term.choices)
    systemic = serializers.BooleanField(read_only=True)
    issued_on = serializers.DateField(read_only=True)
    deadline = serializers.DateField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField(
        help_text="The deadline has passed and the follow-up is not closed."
    )
    status = RecommendationStatusBrief(read_only=True)
    status_changed_on = serializers.DateField(read_only=True, allow_null=True)
    last_verification = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="How the latest assessment was verified ("
        + _values(StatusChange.Verification.choices)
        + "); null before any assessment.",
    )
    repeat_of = serializers.IntegerField(
        source="repeat_visible_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the earlier recommendation this one repeats, when visible to you.",
    )
    revision = revision_out()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    authority_screening = serializers.SerializerMethodField(
        help_text="What the screening for the authority found: a hit not cleared withholds the "
        "recommendation from the authority (null for liaisons)."
    )

    @extend_schema_field(ScreeningOut(allow_null=True))
    def get_authority_screening(self, obj: Recommendation) -> dict[str, Any] | None:
        return screening_out(obj, self.context)

    def get_overdue(self, obj: Recommendation) -> bool:
        today = self.context["today"]
        return bool(obj.deadline and obj.deadline < today and not obj.status.closed)


class RecommendationChangeIn(serializers.Serializer):
    """A recommendation's values; a PUT replaces all of them, a PATCH only those given."""

    source = _choice_in(  # type: ignore[assignment]
        Recommendation.Source.choices, required=False, default=Recommendation.Source.VISIT_REPORT
    )
    report = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the visit report (needed when the source is visit_report; the place is taken from it).",
    )
    source_reference = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="For other sources."
    )
    addressee = _choice_in(Recommendation.Addressee.choices)
    authority = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        default=None,
        help_text="Authority code (for a place: defaults to its operating authority).",
    )
    facility = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Place id.")
    theme = serializers.CharField(max_length=40, help_text="Theme code.")
    provisions = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list, help_text="Provision codes."
    )
    text_kk = serializers.CharField(required=False, allow_blank=True, default="")
    text_ru = serializers.CharField(required=False, allow_blank=True, default="")
    text_en = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="At least one language is needed."
    )
    priority = _choice_in(
        Recommendation.Priority.choices, required=False, default=Recommendation.Priority.MEDIUM
    )
    term = _choice_in(Recommendation.Term.choices, required=False, default=Recommendation.Term.SHORT)
    systemic = serializers.BooleanField(required=False, default=False)
    issued_on = serializers.DateField()
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    revision = revision_in()


class RecommendationIn(RecommendationChangeIn):
    repeat_of = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of an earlier recommendation this one repeats.",
    )


class StatusChangeIn(serializers.Serializer):
    status = serializers.CharField(max_length=40, help_text="Status code (see recommendation-statuses).")
    changed_on = serializers.DateField(
        required=False, default=None, allow_null=True, help_text="Default: today."
    )
    verification = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the status was verified (required): "
        + _values(StatusChange.Verification.choices)
        + ".",
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    visit = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Follow-up visit id (required on_site)."
    )
    response = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Id of the authority response assessed."
    )


class StatusChangeOut(serializers.Serializer):
    """One assessment. Liaisons see the status, its date and how it was verified; the NPM's evidence
    notes, the assessor, the follow-up visit and the response are internal (empty / null for them)."""

    id = serializers.IntegerField(read_only=True)
    status = RecommendationStatusBrief(read_only=True)
    changed_on = serializers.DateField(read_only=True)
    verification = _choice(StatusChange.Verification.choices)
    evidence = serializers.CharField(read_only=True)
    visit = serializers.IntegerField(source="visit_id", read_only=True, allow_null=True)
    response = serializers.IntegerField(source="response_id", read_only=True, allow_null=True)
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_author(self, obj: StatusChange) -> str | None:
        if obj.author is None:
            return None
        return obj.author.get_full_name() or obj.author.get_username()

    def to_representation(self, instance: StatusChange) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("internal"):
            data.update(evidence="", visit=None, response=None, author=None)
        return data


# ---------------------------------------------------------------- responses


class ResponseAttachmentOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(read_only=True, help_text="Detected from the bytes.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    sha256 = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(
        help_text="The download page (signed-in session; each download is recorded in the audit log)."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: ResponseAttachment) -> str:
        path = reverse("recommendations:response_attachment", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AuthorityResponseOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    recommendation = serializers.IntegerField(source="recommendation_id", read_only=True)
    authority = ReferenceOut(read_only=True, help_text="The authority that answered.")
    text = serializers.CharField(read_only=True, help_text="Measures taken.")
    action_plan = serializers.CharField(read_only=True)
    planned_by = serializers.DateField(read_only=True, allow_null=True, help_text="To be completed by.")
    submitted_by = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(read_only=True)
    assessed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the NPM assessed it (null: waiting)."
    )
    attachments = ResponseAttachmentOut(many=True, read_only=True)

    def get_submitted_by(self, obj: Any) -> str | None:
        user = obj.submitted_by
        if user is None:
            return None
        return str(user.get_full_name() or user.get_username())


class AuthorityResponseIn(serializers.Serializer):
    recommendation = serializers.IntegerField(help_text="Id of the recommendation answered.")
    text = serializers.CharField(allow_blank=True, help_text="Measures taken.")
    action_plan = serializers.CharField(required=False, allow_blank=True, default="")
    planned_by = serializers.DateField(required=False, allow_null=True, default=None)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text="Attachments: PDF, JPEG, PNG, Word (DOCX) or Excel (XLSX), judged by their bytes.",
    )


# ---------------------------------------------------------------- letters


class LetterOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    direction = _choice(Letter.Direction.choices)
    number = serializers.CharField(read_only=True, help_text="Registration number.")
    registered_on = serializers.DateField(read_only=True)
    authority = ReferenceOut(read_only=True, allow_null=True, help_text="The correspondent.")
    facility = FacilityBrief(read_only=True, allow_null=True)
    subject = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    answer_within = serializers.IntegerField(read_only=True, allow_null=True, help_text="Working days.")
    due_on = serializers.DateField(read_only=True, allow_null=True, help_text="Answer due (working days).")
    in_reply_to = serializers.IntegerField(
        source="reply_visible_id",
        read_only=True,
        allow_null=True,
        help_text="Letter id, when visible to you.",
    )
    escalation_of = serializers.IntegerField(
        source="escalation_visible_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the unanswered letter this one escalates, when visible to you.",
    )
    report = serializers.IntegerField(
        source="report_visible_id",
        read_only=True,
        allow_null=True,
        help_text="Visit report id, when visible.",
    )
    recommendations = serializers.SerializerMethodField(
        help_text="Ids of the linked recommendations you see."
    )
    created_at = serializers.DateTimeField(read_only=True)
    authority_screening = serializers.SerializerMethodField(
        help_text="What the screening for the authority found in the subject and summary: a hit not "
        "cleared withholds the letter from the authority (null for liaisons)."
    )

    @extend_schema_field(ScreeningOut(allow_null=True))
    def get_authority_screening(self, obj: Letter) -> dict[str, Any] | None:
        return screening_out(obj, self.context)

    def get_recommendations(self, obj: Letter) -> list[int]:
        return [item.pk for item in obj.recommendations.all()]
