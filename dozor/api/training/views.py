"""Training over the API: programmes, events with their agenda, enrolments, attendance, the public
certificate check and competencies with their holders.

Like ``dozor.api.views``: every queryset starts from ``dozor.training.access``, objects outside it are 404,
writes need ``training.manage`` (coordinators and trainers; 403 for council members and monitors)
and go through ``dozor.training.services`` (``ValidationError`` -> 400 with its messages). Liaisons see
empty lists and 404s. Anonymous users get 401 everywhere except the certificate check, which
reveals only what the certificate itself states.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as filters
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dozor.accounts.access import AnyUser, can
from dozor.api.training.serializers import (
    AnswerSheetIn,
    AttendanceIn,
    AttendanceOut,
    CertificateVerifyOut,
    CompetenciesQuery,
    CompetencyOut,
    EnrolmentIn,
    EnrolmentOut,
    EvaluationAveragesOut,
    EvaluationIn,
    EventDetailOut,
    EventOut,
    HolderOut,
    HoldersQuery,
    ProgrammeOut,
    TestIn,
    TestOut,
    TestResultOut,
)
from dozor.api.views import NOT_FOUND, VALIDATION_ERROR, ReferenceViewSet, request_actor, service_call
from dozor.people.access import persons_visible_to
from dozor.training.access import (
    competencies_visible_to,
    enrolments_visible_to,
    event_for_user,
    events_visible_to,
    programmes_visible_to,
)
from dozor.training.models import (
    Assessment,
    Attendance,
    Certificate,
    Competency,
    Enrolment,
    Event,
    Programme,
    Session,
)
from dozor.training.selectors import certificate_verify, competency_holders, upcoming_events
from dozor.training.services import (
    assessment_set_questions,
    assessment_submit,
    attendance_mark,
    enrolment_register,
    evaluation_submit,
)
from dozor.training.stats import evaluation_averages

TEST_KINDS = {"pre": Assessment.Kind.PRE_TEST, "post": Assessment.Kind.POST_TEST}
KIND_PARAMETER = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, description="pre (or pre_test) or post (or post_test)."
)

NOT_TRAINING_MANAGER = OpenApiResponse(
    description="Signed in but not allowed to run training (coordinators and trainers are)."
)


def _sessions() -> Prefetch[Any]:
    return Prefetch(
        "sessions",
        queryset=Session.objects.select_related("trainer")
        .prefetch_related("provisions")
        .order_by("starts_at", "order", "id"),
    )


def _test_kind(kind: str) -> str:
    value = TEST_KINDS.get(kind, kind)
    if value not in Assessment.Kind.values:
        raise NotFound
    return str(value)


def _test_data(user: AnyUser, event: Event, kind: str) -> dict[str, Any]:
    test = Assessment.objects.filter(event=event, kind=kind).first()
    row = {
        "kind": kind,
        "answered": test.results.count() if test else 0,
        "questions": list(test.questions.all()) if test else [],
    }
    # The correct answers are for those who run the training, not for participants taking the test.
    return TestOut(row, context={"show_correct": can(user, "training.manage")}).data


def _enrolments_of(user: AnyUser, event: Event) -> QuerySet[Enrolment]:
    return (
        enrolments_visible_to(user)
        .filter(event=event)
        .select_related("person", "organisation")
        .order_by("registered_at", "id")
    )


# ---------------------------------------------------------------- programmes


@extend_schema_view(
    list=extend_schema(summary="Training programmes (seminar series)"),
    retrieve=extend_schema(summary="A training programme", responses={200: ProgrammeOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["training"])
class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Programme.objects.none()
    serializer_class = ProgrammeOut

    def get_queryset(self) -> QuerySet[Programme]:
        return programmes_visible_to(self.request.user).prefetch_related("co_organisers")


# ---------------------------------------------------------------- events


class EventFilterSet(filters.FilterSet):
    programme = filters.NumberFilter(field_name="programme_id", label="Programme id.")
    status = filters.ChoiceFilter(choices=Event.Status.choices)
    starts_on = filters.DateFromToRangeFilter(
        label="Start date range: starts_on_after and/or starts_on_before (inclusive)."
    )
    upcoming = filters.BooleanFilter(
        method="filter_upcoming", label="true: only events that are not over yet and not cancelled."
    )

    class Meta:
        model = Event
        fields = ["programme", "status", "starts_on", "upcoming"]

    def filter_upcoming(self, queryset: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        if not value:
            return queryset
        upcoming = (
            upcoming_events(self.request.user, timezone.localdate()) if self.request else Event.objects.none()
        )
        return queryset.filter(pk__in=upcoming.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="Training events", description="Without their agenda."),
    retrieve=extend_schema(
        summary="A training event with its sessions", responses={200: EventDetailOut, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["training"])
class EventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Event.objects.none()
    filterset_class = EventFilterSet

    def get_serializer_class(self) -> type[EventOut]:
        return EventDetailOut if self.action == "retrieve" else EventOut

    def get_queryset(self) -> QuerySet[Event]:
        events = (
            events_visible_to(self.request.user)
            .select_related("programme", "region")
            .prefetch_related("co_organisers", "grants")
            .annotate(
                registered=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.REGISTERED)),
                waitlisted=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED)),
            )
            .order_by("starts_on", "id")
        )
        if self.action == "retrieve":
            events = events.prefetch_related(_sessions())
        return events

    @extend_schema(
        methods=["GET"],
        summary="Enrolments of an event",
        description="In order of registration.",
        filters=False,
        responses={200: EnrolmentOut(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Register a person for an event",
        description="Registered while places remain, otherwise put on the waiting list (201 either "
        "way; see status). Registering the same person twice is refused (400).",
        request=EnrolmentIn,
        filters=False,
        responses={201: EnrolmentOut, 400: VALIDATION_ERROR, 403: NOT_TRAINING_MANAGER, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"], url_path="enrolments", filterset_class=None)
    def enrolments(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            event = event_for_user(request.user, pk)
            return Response(EnrolmentOut(_enrolments_of(request.user, event), many=True).data)
        event = event_for_user(request.user, pk, write=True)
        serializer = EnrolmentIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = persons_visible_to(request.user).filter(pk=serializer.validated_data["person_id"]).first()
        if person is None:
            raise ValidationError({"person_id": ["No such person."]})
        enrolment = service_call(enrolment_register, actor=request_actor(request), event=event, person=person)
        fresh = _enrolments_of(request.user, event).get(pk=enrolment.pk)
        return Response(EnrolmentOut(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Attendance marks of an event",
        description="One row per session and enrolment that has been marked.",
        filters=False,
        responses={200: AttendanceOut(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Mark attendance for a session",
        description="marks maps enrolment ids to present, late, excused or absent; a second mark "
        "replaces the first. Returns the event's marks.",
        request=AttendanceIn,
        filters=False,
        responses={
            200: AttendanceOut(many=True),
            400: VALIDATION_ERROR,
            403: NOT_TRAINING_MANAGER,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="attendance", filterset_class=None)
    def attendance(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            event = event_for_user(request.user, pk)
        else:
            event = event_for_user(request.user, pk, write=True)
            serializer = AttendanceIn(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            session = event.sessions.filter(pk=data["session_id"]).first()
            if session is None:
                raise ValidationError({"session_id": ["No such session in this event."]})
            service_call(attendance_mark, actor=request_actor(request), session=session, marks=data["marks"])
        marks = Attendance.objects.filter(session__event=event).order_by("session_id", "enrolment_id")
        return Response(AttendanceOut(marks, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The questions of an event's pre- or post-test",
        description="correct is given only to trainers and coordinators.",
        parameters=[KIND_PARAMETER],
        filters=False,
        responses={200: TestOut, 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace the questions of an event's pre- or post-test",
        description="Refused (400) once the test has been answered.",
        parameters=[KIND_PARAMETER],
        request=TestIn,
        filters=False,
        responses={200: TestOut, 400: VALIDATION_ERROR, 403: NOT_TRAINING_MANAGER, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path=r"tests/(?P<kind>[a-z_]+)",
        filterset_class=None,
        pagination_class=None,
    )
    def tests(self, request: Request, pk: str, kind: str) -> Response:
        kind = _test_kind(kind)
        if request.method == "GET":
            event = event_for_user(request.user, pk)
            return Response(_test_data(request.user, event, kind))
        event = event_for_user(request.user, pk, write=True)
        serializer = TestIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        sessions = {s.pk: s for s in event.sessions.all()}
        questions = []
        for index, item in enumerate(serializer.validated_data["questions"], start=1):
            session_id = item.pop("session_id", None)
            if session_id is not None and session_id not in sessions:
                raise ValidationError({"questions": [f"Question {index}: no such session in this event."]})
            questions.append({**item, "session": sessions.get(session_id) if session_id else None})
        service_call(
            assessment_set_questions,
            actor=request_actor(request),
            event=event,
            kind=kind,
            questions=questions,
        )
        return Response(_test_data(request.user, event, kind))

    @extend_schema(
        summary="Submit an answer sheet for an event's pre- or post-test",
        description="Scored at once; a participant answers each test once. Trainers and coordinators "
        "submit for anyone, a participant only for themselves.",
        parameters=[KIND_PARAMETER],
        request=AnswerSheetIn,
        filters=False,
        responses={201: TestResultOut, 400: VALIDATION_ERROR, 403: NOT_TRAINING_MANAGER, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"tests/(?P<kind>[a-z_]+)/results",
        filterset_class=None,
        pagination_class=None,
    )
    def test_results(self, request: Request, pk: str, kind: str) -> Response:
        kind = _test_kind(kind)
        event = event_for_user(request.user, pk)
        serializer = AnswerSheetIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        test = Assessment.objects.filter(event=event, kind=kind).first()
        if test is None:
            raise ValidationError({"kind": ["The test has no questions yet."]})
        enrolment = enrolments_visible_to(request.user).filter(pk=data["enrolment_id"]).first()
        if enrolment is None:
            raise ValidationError({"enrolment_id": ["No such enrolment."]})
        result = service_call(
            assessment_submit,
            actor=request_actor(request),
            assessment=test,
            enrolment=enrolment,
            answers=data["answers"],
        )
        return Response(TestResultOut(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Evaluation averages of an event",
        description="Evaluations are anonymous: only their number and average ratings are given.",
        filters=False,
        responses={200: EvaluationAveragesOut, 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a paper evaluation of an event",
        description="Ratings 1-5 and a comment, with no link to who gave them. Returns the averages.",
        request=EvaluationIn,
        filters=False,
        responses={
            201: EvaluationAveragesOut,
            400: VALIDATION_ERROR,
            403: NOT_TRAINING_MANAGER,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="evaluations",
        filterset_class=None,
        pagination_class=None,
    )
    def evaluations(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            event = event_for_user(request.user, pk)
            return Response(EvaluationAveragesOut(evaluation_averages(event)).data)
        event = event_for_user(request.user, pk, write=True)
        serializer = EvaluationIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        service_call(
            evaluation_submit,
            actor=request_actor(request),
            event=event,
            enrolment=None,
            **serializer.validated_data,
        )
        return Response(
            EvaluationAveragesOut(evaluation_averages(event)).data, status=status.HTTP_201_CREATED
        )


# ---------------------------------------------------------------- certificates


@extend_schema(tags=["training"])
class CertificateViewSet(viewsets.GenericViewSet):
    """Only the public check: anyone holding a certificate's code may confirm it."""

    queryset = Certificate.objects.none()
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary="Check a certificate (public)",
        description="Needs no sign-in. Returns what the certificate states - holder, event, date, "
        "competencies - or only valid: false for an unknown or revoked code.",
        responses={200: CertificateVerifyOut},
    )
    @action(detail=True, methods=["get"], url_path="verify")
    def verify(self, request: Request, code: str) -> Response:
        certificate = certificate_verify(code)
        if certificate is None:
            return Response({"valid": False})
        event = certificate.enrolment.event
        data = {
            "valid": True,
            "holder": certificate.enrolment.person.full_name,
            "event": f"{event.title} ({event.city}, {event.starts_on:%Y-%m-%d})",
            "issued_on": certificate.issued_on,
            "competencies": sorted({grant.competency.code for grant in certificate.grants.all()}),
        }
        return Response(CertificateVerifyOut(data).data)


# ---------------------------------------------------------------- competencies


@extend_schema_view(
    list=extend_schema(
        summary="Competencies",
        description="With holders_on=YYYY-MM-DD each carries the number of persons holding it that day.",
        parameters=[
            OpenApiParameter(
                "holders_on", OpenApiTypes.DATE, description="Count holders on this date (YYYY-MM-DD)."
            )
        ],
        responses={200: CompetencyOut(many=True), 400: VALIDATION_ERROR},
    ),
    retrieve=extend_schema(summary="A competency", responses={200: CompetencyOut, 404: NOT_FOUND}),
)
@extend_schema(tags=["training"])
class CompetencyViewSet(ReferenceViewSet):
    queryset = Competency.objects.none()
    serializer_class = CompetencyOut

    def get_queryset(self) -> QuerySet[Competency]:
        return competencies_visible_to(self.request.user).prefetch_related("required_for")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = CompetenciesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on: datetime.date | None = query.validated_data.get("holders_on")
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page if page is not None else self.get_queryset())
        context = self.get_serializer_context()
        if on is not None:
            context["holder_counts"] = {c.pk: competency_holders(c, on).count() for c in rows}
        data = CompetencyOut(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="Persons holding a competency on a date",
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="The date (YYYY-MM-DD); today if omitted.")
        ],
        filters=False,
        responses={200: HolderOut(many=True), 400: VALIDATION_ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="holders")
    def holders(self, request: Request, code: str) -> Response:
        competency = self.get_object()
        query = HoldersQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        persons = (
            competency_holders(competency, on)
            .select_related("organisation")
            .order_by("last_name", "first_name", "id")
        )
        return Response(HolderOut(persons, many=True).data)
