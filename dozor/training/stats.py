"""Training statistics: attendance, participants, learning gain and evaluations.

Attendance rules (one place, used by certificates, pages and reports):
- Only *registered* enrolments are participants; waitlisted and cancelled ones count nowhere.
- Cancelled sessions are excluded entirely (from numerator and denominator).
- A session is *expected* of a participant if it started at or after their ``registered_at``
  (someone enrolled after a session started is not absent from it) and has already started.
- ``present`` and ``late`` count as attended; ``excused`` is not attended but leaves the
  denominator; ``absent`` and an unmarked expected session count as not attended.
- share = attended / (expected - excused); None when that denominator is 0.

Every function runs a fixed number of queries whatever the number of events, sessions or people.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from django.db.models import Avg, Count
from django.utils import timezone

from dozor.training.models import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    Attendance,
    Enrolment,
    Evaluation,
    Event,
    Programme,
    Session,
)

ATTENDED = {Attendance.Status.PRESENT, Attendance.Status.LATE}
UNKNOWN = "unknown"


def _shares(enrolments: list[Enrolment], now: datetime.datetime | None = None) -> dict[int, float | None]:
    """Attendance share per enrolment (2 queries for any number of enrolments)."""
    now = now or timezone.now()
    event_ids = {e.event_id for e in enrolments}
    sessions: dict[int, list[tuple[int, datetime.datetime]]] = defaultdict(list)
    for pk, event_id, starts_at in Session.objects.filter(
        event_id__in=event_ids, cancelled=False, starts_at__lte=now
    ).values_list("pk", "event_id", "starts_at"):
        sessions[event_id].append((pk, starts_at))
    marks = {
        (enrolment_id, session_id): status
        for enrolment_id, session_id, status in Attendance.objects.filter(
            enrolment_id__in=[e.pk for e in enrolments], session__cancelled=False
        ).values_list("enrolment_id", "session_id", "status")
    }
    result: dict[int, float | None] = {}
    for enrolment in enrolments:
        if enrolment.status != Enrolment.Status.REGISTERED:
            result[enrolment.pk] = None
            continue
        attended = denominator = 0
        for session_id, starts_at in sessions[enrolment.event_id]:
            if starts_at < enrolment.registered_at:
                continue  # not expected: the person was not yet enrolled
            status = marks.get((enrolment.pk, session_id))
            if status == Attendance.Status.EXCUSED:
                continue
            denominator += 1
            if status in ATTENDED:
                attended += 1
        result[enrolment.pk] = attended / denominator if denominator else None
    return result


def attendance_share(enrolment: Enrolment, *, now: datetime.datetime | None = None) -> float | None:
    """Share of expected sessions attended, in 0..1; None if nothing is expected (or not a participant)."""
    return _shares([enrolment], now)[enrolment.pk]


def attendance_shares(
    enrolments: list[Enrolment], *, now: datetime.datetime | None = None
) -> dict[int, float | None]:
    """``attendance_share`` of many enrolments at once (2 queries), keyed by enrolment id."""
    return _shares(enrolments, now)


def participants(events: Iterable[Event] | Any) -> Any:
    return Enrolment.objects.filter(event__in=events, status=Enrolment.Status.REGISTERED)


@dataclass
class SessionRow:
    session: Session
    counts: dict[str, int] = field(default_factory=dict)  # attendance status -> count, plus "unmarked"


@dataclass
class AttendanceSummary:
    participants: int
    waitlisted: int
    cancelled: int
    sessions_held: int
    sessions_cancelled: int
    mean_share: float | None  # mean over participants with a share
    reaching_minimum: int  # participants whose share meets the event's certificate minimum
    sessions: list[SessionRow]


def event_attendance_summary(event: Event, *, now: datetime.datetime | None = None) -> AttendanceSummary:
    now = now or timezone.now()
    enrolments = list(Enrolment.objects.filter(event=event))
    by_status = Counter(e.status for e in enrolments)
    registered = [e for e in enrolments if e.status == Enrolment.Status.REGISTERED]
    shares = _shares(registered, now)
    known = [s for s in shares.values() if s is not None]
    sessions = list(Session.objects.filter(event=event))
    marks: dict[int, Counter[str]] = defaultdict(Counter)
    registered_ids = {e.pk for e in registered}
    for session_id, enrolment_id, status in Attendance.objects.filter(session__event=event).values_list(
        "session_id", "enrolment_id", "status"
    ):
        if enrolment_id in registered_ids:
            marks[session_id][status] += 1
    rows = []
    for session in sessions:
        if session.cancelled:
            continue
        expected = sum(1 for e in registered if session.starts_at >= e.registered_at)
        counts = {status: marks[session.pk][status] for status in Attendance.Status.values}
        counts["unmarked"] = max(expected - sum(counts.values()), 0) if session.starts_at <= now else 0
        rows.append(SessionRow(session=session, counts=counts))
    return AttendanceSummary(
        participants=len(registered),
        waitlisted=by_status[Enrolment.Status.WAITLISTED],
        cancelled=by_status[Enrolment.Status.CANCELLED],
        sessions_held=sum(1 for s in sessions if not s.cancelled and s.starts_at <= now),
        sessions_cancelled=sum(1 for s in sessions if s.cancelled),
        mean_share=mean(known) if known else None,
        reaching_minimum=sum(1 for s in known if s * 100 >= event.min_attendance_percent),
        sessions=rows,
    )


@dataclass
class Breakdown:
    organisation_kind: dict[str, int]
    region: dict[str, int]  # region code (or "unknown")
    gender: dict[str, int]
    total: int


def _breakdown(enrolments: Any) -> Breakdown:
    """Participants counted once per enrolment (a person at two events counts twice)."""
    by_kind = {
        row["organisation__kind"] or UNKNOWN: row["n"]
        for row in enrolments.values("organisation__kind").annotate(n=Count("id")).order_by()
    }
    by_region = {
        row["person__region__code"] or UNKNOWN: row["n"]
        for row in enrolments.values("person__region__code").annotate(n=Count("id")).order_by()
    }
    by_gender = {
        row["person__gender"] or UNKNOWN: row["n"]
        for row in enrolments.values("person__gender").annotate(n=Count("id")).order_by()
    }
    return Breakdown(
        organisation_kind=dict(sorted(by_kind.items())),
        region=dict(sorted(by_region.items())),
        gender=dict(sorted(by_gender.items())),
        total=sum(by_gender.values()),
    )


def event_breakdown(event: Event) -> Breakdown:
    return _breakdown(participants([event]))


def programme_breakdown(programme: Programme) -> Breakdown:
    return _breakdown(participants(programme.events.all()))


def _results(event_ids: Iterable[int]) -> dict[tuple[int, str], dict[int, AssessmentResult]]:
    """(event id, kind) -> {enrolment id: result}, participants only."""
    out: dict[tuple[int, str], dict[int, AssessmentResult]] = defaultdict(dict)
    for result in AssessmentResult.objects.filter(
        assessment__event_id__in=list(event_ids), enrolment__status=Enrolment.Status.REGISTERED
    ).select_related("assessment"):
        out[(result.assessment.event_id, result.assessment.kind)][result.enrolment_id] = result
    return out


def _gain(pre: dict[int, AssessmentResult], post: dict[int, AssessmentResult]) -> tuple[float | None, int]:
    both = sorted(set(pre) & set(post))
    if not both:
        return None, 0
    return mean(post[e].percent for e in both) - mean(pre[e].percent for e in both), len(both)


def learning_gains(event_ids: Iterable[int]) -> dict[int, tuple[float | None, int]]:
    """Per event: (mean post% - mean pre% over participants with both tests, how many had both)."""
    ids = list(event_ids)
    results = _results(ids)
    return {
        pk: _gain(
            results.get((pk, Assessment.Kind.PRE_TEST), {}), results.get((pk, Assessment.Kind.POST_TEST), {})
        )
        for pk in ids
    }


def learning_gain(event: Event) -> float | None:
    """Mean post-test percent minus mean pre-test percent over participants who took both."""
    return learning_gains([event.pk])[event.pk][0]


@dataclass
class TopicGain:
    session: Session
    pre_percent: float
    post_percent: float
    gain: float
    people: int


def topic_gains(event: Event) -> list[TopicGain]:
    """Per session (topic): score on the questions linked to it, pre vs post, over participants
    who took both tests; topics without questions on both tests are left out."""
    results = _results([event.pk])
    pre = results.get((event.pk, Assessment.Kind.PRE_TEST), {})
    post = results.get((event.pk, Assessment.Kind.POST_TEST), {})
    both = set(pre) & set(post)
    questions: dict[tuple[int, str], list[AssessmentQuestion]] = defaultdict(list)
    for question in AssessmentQuestion.objects.filter(
        assessment__event=event, session__isnull=False, session__cancelled=False
    ).select_related("assessment", "session"):
        assert question.session_id is not None
        questions[(question.session_id, question.assessment.kind)].append(question)
    sessions: dict[int, Session] = {
        q.session_id: q.session for qs in questions.values() for q in qs if q.session_id and q.session
    }

    def percent(result: AssessmentResult, qs: list[AssessmentQuestion]) -> float:
        total = sum(q.points for q in qs)
        got = sum(q.points for q in qs if result.answers.get(str(q.pk)) == q.correct)
        return 100.0 * got / total if total else 0.0

    rows = []
    for session_id, session in sorted(sessions.items(), key=lambda kv: (kv[1].starts_at, kv[0])):
        pre_q = questions.get((session_id, Assessment.Kind.PRE_TEST), [])
        post_q = questions.get((session_id, Assessment.Kind.POST_TEST), [])
        if not (pre_q and post_q and both):
            continue
        pre_mean = mean(percent(pre[e], pre_q) for e in both)
        post_mean = mean(percent(post[e], post_q) for e in both)
        rows.append(TopicGain(session, pre_mean, post_mean, post_mean - pre_mean, len(both)))
    return rows


@dataclass
class EvaluationAverages:
    count: int
    overall: float | None
    relevance: float | None
    trainers: float | None


def evaluation_averages_by_event(event_ids: Iterable[int]) -> dict[int, EvaluationAverages]:
    ids = list(event_ids)
    rows = {
        row["event_id"]: row
        for row in Evaluation.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("id"), o=Avg("overall"), r=Avg("relevance"), t=Avg("trainers"))
        .order_by()
    }
    out = {}
    for pk in ids:
        row = rows.get(pk)
        out[pk] = (
            EvaluationAverages(row["n"], row["o"], row["r"], row["t"])
            if row
            else EvaluationAverages(0, None, None, None)
        )
    return out


def evaluation_averages(event: Event) -> EvaluationAverages:
    return evaluation_averages_by_event([event.pk])[event.pk]


@dataclass
class EventRow:
    event: Event
    participants: int
    waitlisted: int
    mean_share: float | None
    gain: float | None
    gain_people: int
    evaluations: EvaluationAverages


def programme_event_rows(programme: Programme, *, now: datetime.datetime | None = None) -> list[EventRow]:
    """One row per event of the programme, in a fixed number of queries."""
    events = list(programme.events.all())
    ids = [e.pk for e in events]
    enrolments = list(Enrolment.objects.filter(event_id__in=ids))
    registered = [e for e in enrolments if e.status == Enrolment.Status.REGISTERED]
    shares = _shares(registered, now)
    gains = learning_gains(ids)
    evaluations = evaluation_averages_by_event(ids)
    rows = []
    for event in events:
        mine = [e for e in registered if e.event_id == event.pk]
        known = [s for e in mine if (s := shares[e.pk]) is not None]
        rows.append(
            EventRow(
                event=event,
                participants=len(mine),
                waitlisted=sum(
                    1
                    for e in enrolments
                    if e.event_id == event.pk and e.status == Enrolment.Status.WAITLISTED
                ),
                mean_share=mean(known) if known else None,
                gain=gains[event.pk][0],
                gain_people=gains[event.pk][1],
                evaluations=evaluations[event.pk],
            )
        )
    return rows
