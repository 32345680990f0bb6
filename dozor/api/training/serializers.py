"""Explicit shapes of the training endpoints (programmes, events, enrolments, attendance,
certificates, competencies).

Texts travel in the three working languages plus the plain field in the language of the request.
Input serializers only parse and check shapes: every write is done by ``dozor.training.services``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dozor.api.methodology.serializers import _choice, _codes
from dozor.api.serializers import OrganisationBrief
from dozor.training.models import Attendance, Enrolment, Event


class PersonBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    is_demo = serializers.BooleanField(read_only=True)


class ProgrammeBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Title in the language of the request.")


class ProgrammeOut(ProgrammeBrief):
    title_kk = serializers.CharField(read_only=True)
    title_ru = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    co_organisers = OrganisationBrief(many=True, read_only=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True, allow_null=True)
    ends_on = serializers.DateField(read_only=True, allow_null=True)
    is_demo = serializers.BooleanField(read_only=True)


class SessionOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    topic = serializers.CharField(read_only=True, help_text="Topic in the language of the request.")
    topic_kk = serializers.CharField(read_only=True)
    topic_ru = serializers.CharField(read_only=True)
    topic_en = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    trainer = PersonBrief(read_only=True, allow_null=True)
    provisions = _codes(help_text="Codes of the standards the session covers.")
    cancelled = serializers.BooleanField(read_only=True)


class EventOut(serializers.Serializer):
    """An event without its agenda (lists)."""

    id = serializers.IntegerField(read_only=True)
    programme = ProgrammeBrief(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Title in the language of the request.")
    title_kk = serializers.CharField(read_only=True)
    title_ru = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    region = serializers.CharField(
        source="region.code", read_only=True, allow_null=True, help_text="Region code."
    )
    venue = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    language = serializers.CharField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    status = _choice(Event.Status.choices)
    co_organisers = OrganisationBrief(many=True, read_only=True)
    grants = _codes(help_text="Codes of the competencies a certificate of this event grants.")
    min_attendance_percent = serializers.IntegerField(read_only=True)
    min_test_percent = serializers.IntegerField(read_only=True)
    registered = serializers.IntegerField(read_only=True, help_text="Registered participants.")
    waitlisted = serializers.IntegerField(read_only=True, help_text="Participants on the waiting list.")
    is_demo = serializers.BooleanField(read_only=True)


class EventDetailOut(EventOut):
    """An event with its agenda."""

    sessions = SessionOut(many=True, read_only=True)


class EnrolmentOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    person = PersonBrief(read_only=True)
    organisation = OrganisationBrief(read_only=True, allow_null=True)
    status = _choice(Enrolment.Status.choices)
    registered_at = serializers.DateTimeField(read_only=True)


class EnrolmentIn(serializers.Serializer):
    person_id = serializers.IntegerField(min_value=1, help_text="The person to register.")


class AttendanceOut(serializers.Serializer):
    session_id = serializers.IntegerField(read_only=True)
    enrolment_id = serializers.IntegerField(read_only=True)
    status = _choice(Attendance.Status.choices)


class AttendanceIn(serializers.Serializer):
    session_id = serializers.IntegerField(min_value=1, help_text="A session of this event.")
    marks = serializers.DictField(
        child=serializers.ChoiceField(choices=Attendance.Status.choices),
        allow_empty=False,
        help_text="Enrolment id -> attendance status.",
    )

    def validate_marks(self, marks: dict[str, str]) -> dict[int, str]:
        parsed: dict[int, str] = {}
        for key, value in marks.items():
            try:
                parsed[int(key)] = value
            except (TypeError, ValueError) as exc:
                raise serializers.ValidationError(f"{key!r} is not an enrolment id.") from exc
        return parsed


class CertificateVerifyOut(serializers.Serializer):
    """What the certificate itself states, and nothing else; ``{"valid": false}`` for an unknown,
    revoked or mistyped code."""

    # Output only; the four facts are not read_only, which the schema would mark as always present.
    valid = serializers.BooleanField(read_only=True)
    holder = serializers.CharField(required=False, help_text="The holder's full name.")
    event = serializers.CharField(required=False, help_text="Event title and city.")
    issued_on = serializers.DateField(required=False)
    competencies = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Competency codes granted."
    )


class CompetencyOut(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    description_kk = serializers.CharField(read_only=True)
    description_ru = serializers.CharField(read_only=True)
    description_en = serializers.CharField(read_only=True)
    valid_years = serializers.IntegerField(read_only=True)
    required_for = _codes(help_text="Codes of the facility types whose visits need this competency.")
    holders = serializers.SerializerMethodField(
        help_text="Number of persons holding it on the holders_on date; null without holders_on."
    )

    def get_holders(self, competency: Any) -> int | None:
        counts = self.context.get("holder_counts")
        return None if counts is None else counts.get(competency.pk, 0)


class HoldersQuery(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="The date (YYYY-MM-DD); today if omitted.")


class CompetenciesQuery(serializers.Serializer):
    holders_on = serializers.DateField(required=False, help_text="Count holders on this date (YYYY-MM-DD).")


class HolderOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    organisation = OrganisationBrief(read_only=True, allow_null=True)
    is_demo = serializers.BooleanField(read_only=True)


# ---------------------------------------------------------------- knowledge tests and evaluations


class TestChoiceIO(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    label_kk = serializers.CharField(required=False, allow_blank=True, default="")
    label_ru = serializers.CharField(required=False, allow_blank=True, default="")
    label_en = serializers.CharField(required=False, allow_blank=True, default="")


class TestQuestionOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True, help_text="Text in the language of the request.")
    text_kk = serializers.CharField(read_only=True)
    text_ru = serializers.CharField(read_only=True)
    text_en = serializers.CharField(read_only=True)
    choices = TestChoiceIO(many=True, read_only=True)
    correct = serializers.SerializerMethodField(
        help_text="The correct choice name; only for trainers and coordinators (null otherwise)."
    )
    points = serializers.IntegerField(read_only=True)
    session_id = serializers.IntegerField(read_only=True, allow_null=True)

    def get_correct(self, question: Any) -> str | None:
        return question.correct if self.context.get("show_correct") else None


class TestOut(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="pre_test or post_test.")
    answered = serializers.IntegerField(read_only=True, help_text="Answer sheets submitted.")
    questions = TestQuestionOut(many=True, read_only=True)


class TestQuestionIn(serializers.Serializer):
    text_kk = serializers.CharField(required=False, allow_blank=True, default="")
    text_ru = serializers.CharField(required=False, allow_blank=True, default="")
    text_en = serializers.CharField(required=False, allow_blank=True, default="")
    choices = TestChoiceIO(many=True)
    correct = serializers.CharField(max_length=40, help_text="The name of the correct choice.")
    points = serializers.IntegerField(min_value=1, default=1)
    session_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A session of this event (per-topic gain)."
    )


class TestIn(serializers.Serializer):
    questions = TestQuestionIn(many=True, help_text="Replaces every question of the test, in order.")


class AnswerSheetIn(serializers.Serializer):
    enrolment_id = serializers.IntegerField(min_value=1, help_text="An enrolment of this event.")
    answers = serializers.DictField(
        child=serializers.CharField(max_length=40), help_text="Question id -> choice name."
    )


class TestResultOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    enrolment_id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(source="assessment.kind", read_only=True)
    answers = serializers.DictField(child=serializers.CharField(), read_only=True)
    score = serializers.IntegerField(read_only=True)
    max_score = serializers.IntegerField(read_only=True)
    percent = serializers.FloatField(read_only=True)


class EvaluationIn(serializers.Serializer):
    overall = serializers.IntegerField(help_text="1-5.")
    relevance = serializers.IntegerField(help_text="1-5.")
    trainers = serializers.IntegerField(help_text="1-5.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationAveragesOut(serializers.Serializer):
    """Averages only: evaluations are anonymous, so no single evaluation is ever returned."""

    count = serializers.IntegerField(read_only=True)
    overall = serializers.FloatField(read_only=True, allow_null=True)
    relevance = serializers.FloatField(read_only=True, allow_null=True)
    trainers = serializers.FloatField(read_only=True, allow_null=True)
