from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.people.models import Organisation, Person
from dozor.people.tests.factories import OrganisationFactory, PersonFactory
from dozor.training import stats
from dozor.training.models import Assessment, AssessmentResult, Attendance, Enrolment, Evaluation
from dozor.training.tests.factories import (
    EnrolmentFactory,
    EventFactory,
    SessionFactory,
    assessment,
    at,
    mark,
)

P, L, E, A = (
    Attendance.Status.PRESENT,
    Attendance.Status.LATE,
    Attendance.Status.EXCUSED,
    Attendance.Status.ABSENT,
)


@pytest.fixture
def seminar(db):  # type: ignore[no-untyped-def]
    """Five sessions over three days; the fourth is cancelled."""
    event = EventFactory()
    sessions = [
        SessionFactory(event=event, starts_at=at(2, 9)),
        SessionFactory(event=event, starts_at=at(2, 11)),
        SessionFactory(event=event, starts_at=at(3, 9)),
        SessionFactory(event=event, starts_at=at(3, 11), cancelled=True),
        SessionFactory(event=event, starts_at=at(4, 9)),
    ]
    return event, sessions


def test_it_counts_late_as_attended_and_drops_excused_and_cancelled(seminar) -> None:  # type: ignore[no-untyped-def]
    event, (s1, s2, s3, s4, s5) = seminar
    enrolment = EnrolmentFactory(event=event)
    for session, status in ((s1, P), (s2, L), (s3, A), (s4, P), (s5, E)):
        mark(enrolment, session, status)
    # expected s1, s2, s3, s5 (s4 cancelled); s5 excused leaves the denominator: 2 of 3.
    assert stats.attendance_share(enrolment) == pytest.approx(2 / 3)


def test_it_does_not_expect_sessions_before_a_late_enrolment(seminar) -> None:  # type: ignore[no-untyped-def]
    event, (_s1, _s2, s3, _s4, _s5) = seminar
    enrolment = EnrolmentFactory(event=event, registered_at=at(2, 12))
    mark(enrolment, s3, P)
    # s1 and s2 started before the enrolment; s5 unmarked counts as not attended: 1 of 2.
    assert stats.attendance_share(enrolment) == pytest.approx(1 / 2)


def test_it_counts_a_session_starting_at_the_registration_time(seminar) -> None:  # type: ignore[no-untyped-def]
    event, (_s1, _s2, s3, _s4, s5) = seminar
    enrolment = EnrolmentFactory(event=event, registered_at=at(3, 9))
    mark(enrolment, s3, P)
    mark(enrolment, s5, P)
    assert stats.attendance_share(enrolment) == 1.0


def test_it_has_no_share_when_every_expected_session_is_excused(seminar) -> None:  # type: ignore[no-untyped-def]
    event, sessions = seminar
    enrolment = EnrolmentFactory(event=event)
    for session in sessions:
        mark(enrolment, session, E)
    assert stats.attendance_share(enrolment) is None


def test_it_does_not_count_waitlisted_or_cancelled_enrolments(seminar) -> None:  # type: ignore[no-untyped-def]
    event, (s1, *_rest) = seminar
    waiting = EnrolmentFactory(event=event, status=Enrolment.Status.WAITLISTED)
    gone = EnrolmentFactory(event=event, status=Enrolment.Status.CANCELLED)
    mark(gone, s1, P)
    assert stats.attendance_share(waiting) is None
    assert stats.attendance_share(gone) is None
    summary = stats.event_attendance_summary(event)
    assert (summary.participants, summary.waitlisted, summary.cancelled) == (0, 1, 1)
    assert summary.sessions[0].counts[P] == 0


def test_it_summarises_an_event(seminar, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    event, (s1, s2, s3, _s4, s5) = seminar
    a = EnrolmentFactory(event=event)
    for session, status in ((s1, P), (s2, L), (s3, A), (s5, E)):
        mark(a, session, status)
    b = EnrolmentFactory(event=event, registered_at=at(2, 12))
    mark(b, s3, P)
    for _ in range(5):  # more rows must not mean more queries
        EnrolmentFactory(event=event)
    with django_assert_max_num_queries(5):
        summary = stats.event_attendance_summary(event)
    assert summary.participants == 7
    assert (summary.sessions_held, summary.sessions_cancelled) == (4, 1)
    assert [row.session.pk for row in summary.sessions] == [s1.pk, s2.pk, s3.pk, s5.pk]
    s3_row = summary.sessions[2]
    assert s3_row.counts == {P: 1, L: 0, E: 0, A: 1, "unmarked": 5}
    s1_row = summary.sessions[0]
    assert s1_row.counts["unmarked"] == 5  # b is not expected at s1
    # a: 2/3, b: 1/2, the five others 0/4
    assert summary.mean_share == pytest.approx((2 / 3 + 1 / 2) / 7)
    assert summary.reaching_minimum == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    marks=st.lists(st.sampled_from([P, L, E, A, None]), min_size=5, max_size=5),
    late_hours=st.integers(min_value=0, max_value=60),
)
def test_it_keeps_the_share_between_0_and_1(seminar, marks, late_hours) -> None:  # type: ignore[no-untyped-def]
    event, sessions = seminar
    enrolment = EnrolmentFactory(event=event, registered_at=at(2, 0) + datetime.timedelta(hours=late_hours))
    for session, status in zip(sessions, marks, strict=True):
        if status is not None:
            mark(enrolment, session, status)
    share = stats.attendance_share(enrolment)
    assert share is None or 0.0 <= share <= 1.0


def test_it_breaks_participants_down_by_organisation_region_and_gender(db) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    other = EventFactory(programme=event.programme, city="Aktobe")
    ngo = OrganisationFactory(kind=Organisation.Kind.NGO)
    ministry = OrganisationFactory(kind=Organisation.Kind.MINISTRY)
    EnrolmentFactory(event=event, person=PersonFactory(organisation=ngo))
    EnrolmentFactory(event=event, person=PersonFactory(organisation=ministry, gender=Person.Gender.MALE))
    EnrolmentFactory(event=event, person=PersonFactory(organisation=ngo), status=Enrolment.Status.WAITLISTED)
    EnrolmentFactory(event=other, person=PersonFactory(organisation=ngo, region=None))
    one = stats.event_breakdown(event)
    assert one.organisation_kind == {"ministry": 1, "ngo": 1}
    assert one.gender == {"female": 1, "male": 1}
    assert one.region == {"KGD": 2}
    assert one.total == 2
    both = stats.programme_breakdown(event.programme)
    assert both.organisation_kind == {"ministry": 1, "ngo": 2}
    assert both.region == {"KGD": 2, "unknown": 1}


def _result(test: Assessment, enrolment: Enrolment, answers: list[str]) -> AssessmentResult:
    questions = list(test.questions.all())
    score = sum(q.points for q, a in zip(questions, answers, strict=True) if a == q.correct)
    return AssessmentResult.objects.create(
        assessment=test,
        enrolment=enrolment,
        answers={str(q.pk): a for q, a in zip(questions, answers, strict=True)},
        score=score,
        max_score=sum(q.points for q in questions),
    )


def test_it_computes_learning_gain_overall_and_per_topic(seminar) -> None:  # type: ignore[no-untyped-def]
    event, (s1, s2, *_rest) = seminar
    pre = assessment(event, Assessment.Kind.PRE_TEST, [("a", s1, 1), ("a", s1, 1), ("b", s2, 2)])
    post = assessment(event, Assessment.Kind.POST_TEST, [("a", s1, 1), ("a", s1, 1), ("b", s2, 2)])
    x, y, only_pre = (
        EnrolmentFactory(event=event),
        EnrolmentFactory(event=event),
        EnrolmentFactory(event=event),
    )
    _result(pre, x, ["a", "c", "c"])  # 1/4 = 25%; s1 50%, s2 0%
    _result(post, x, ["a", "a", "b"])  # 100%; s1 100%, s2 100%
    _result(pre, y, ["c", "c", "b"])  # 2/4 = 50%; s1 0%, s2 100%
    _result(post, y, ["a", "c", "b"])  # 3/4 = 75%; s1 50%, s2 100%
    _result(pre, only_pre, ["c", "c", "c"])  # ignored: no post-test
    assert stats.learning_gain(event) == pytest.approx((100 + 75) / 2 - (25 + 50) / 2)  # 50.0
    topics = {row.session.pk: row for row in stats.topic_gains(event)}
    assert topics[s1.pk].pre_percent == pytest.approx(25.0)
    assert topics[s1.pk].post_percent == pytest.approx(75.0)
    assert topics[s2.pk].gain == pytest.approx(50.0)
    assert topics[s2.pk].people == 2


def test_it_has_no_learning_gain_without_both_tests(seminar) -> None:  # type: ignore[no-untyped-def]
    event, _sessions = seminar
    assert stats.learning_gain(event) is None
    assert stats.topic_gains(event) == []


def test_it_averages_evaluations(seminar) -> None:  # type: ignore[no-untyped-def]
    event, _sessions = seminar
    for overall in (5, 4, 3):
        Evaluation.objects.create(
            event=event, overall=overall, relevance=4, trainers=5, submitted_on=datetime.date(2025, 9, 4)
        )
    averages = stats.evaluation_averages(event)
    assert (averages.count, averages.overall, averages.relevance, averages.trainers) == (3, 4.0, 4.0, 5.0)


def test_it_builds_programme_rows_in_few_queries(seminar, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    event, (_s1, *_rest) = seminar
    for _ in range(3):
        extra = EventFactory(programme=event.programme)
        mark(EnrolmentFactory(event=extra), SessionFactory(event=extra, starts_at=at(2, 9)), P)
    with django_assert_max_num_queries(8):
        rows = stats.programme_event_rows(event.programme)
    assert len(rows) == 4
    assert [r.participants for r in rows].count(1) == 3
