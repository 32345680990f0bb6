"""Reads for capacity building that span relations.

``competency_holders`` is the contract visit planning relies on: who may be counted as holding a
competency on a given day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from dozor.accounts.access import AnyUser, can
from dozor.core.models import Region
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.training.access import event_for_user, events_visible_to, programme_for_user
from dozor.training.models import (
    Assessment,
    AssessmentResult,
    Certificate,
    Competency,
    CompetencyGrant,
    Enrolment,
    Event,
    Programme,
    Session,
)
from dozor.training.stats import attendance_share, attendance_shares

# How far back the home page looks for held events whose certificates are still to be issued.
CERTIFICATE_WINDOW_DAYS = 365


@dataclass(frozen=True)
class CertificatesDue:
    event: Event
    count: int  # participants who meet every certificate rule and have no certificate yet
    enrolments: tuple[Enrolment, ...] = ()  # those participants, by name


def valid_grants(on: datetime.date) -> QuerySet[CompetencyGrant]:
    """Grants in force on ``on``: started, not expired, not revoked on or before ``on``, and -
    when they come from a certificate - that certificate is not revoked (at any date: a revoked
    certificate is treated as never valid) and its event was not cancelled."""
    return CompetencyGrant.objects.filter(
        Q(granted_on__lte=on, valid_until__gte=on)
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
        & (
            Q(certificate__isnull=True)
            | (
                Q(certificate__revoked_on__isnull=True)
                & ~Q(certificate__enrolment__event__status=Event.Status.CANCELLED)
            )
        )
    )


def competency_holders(competency: Competency, on: datetime.date) -> QuerySet[Person]:
    """Persons holding ``competency`` on ``on`` (see ``valid_grants``), each once."""
    grants = valid_grants(on).filter(competency=competency)
    return Person.objects.filter(pk__in=grants.values("person_id"))


def person_competencies(person: Person, on: datetime.date) -> QuerySet[CompetencyGrant]:
    return (
        valid_grants(on)
        .filter(person=person)
        .select_related("competency", "certificate")
        .order_by("competency__sort_order", "-valid_until")
    )


def certificate_refusal(enrolment: Enrolment) -> str | None:
    """The first unmet certificate rule, as a message, or None when a certificate may be issued."""
    event = enrolment.event
    if enrolment.status != Enrolment.Status.REGISTERED:
        return _("%(person)s is not a participant of the event (%(status)s).") % {
            "person": enrolment.person.full_name,
            "status": enrolment.get_status_display(),
        }
    if event.status == Event.Status.CANCELLED:
        return _("The event was cancelled.")
    if event.status != Event.Status.HELD:
        return _("The event has not been marked as held yet.")
    if Certificate.objects.filter(enrolment=enrolment).exists():
        return _("A certificate was already issued for this enrolment.")
    share = attendance_share(enrolment)
    if event.min_attendance_percent > 0:
        if share is None:
            return _("No attendance is recorded for %(person)s.") % {"person": enrolment.person.full_name}
        if share * 100 < event.min_attendance_percent:
            return _("Attendance %(share).0f%% is below the required %(min)d%%.") % {
                "share": share * 100,
                "min": event.min_attendance_percent,
            }
    post = Assessment.objects.filter(event=event, kind=Assessment.Kind.POST_TEST).first()
    if post is not None and event.min_test_percent > 0:
        result = AssessmentResult.objects.filter(assessment=post, enrolment=enrolment).first()
        if result is None:
            return _("%(person)s has not taken the post-test.") % {"person": enrolment.person.full_name}
        if result.percent < event.min_test_percent:
            return _("Post-test score %(score).0f%% is below the required %(min)d%%.") % {
                "score": result.percent,
                "min": event.min_test_percent,
            }
    return None


def certificates_to_issue(user: AnyUser, today: datetime.date) -> list[CertificatesDue]:
    """Held events, ended in the last CERTIFICATE_WINDOW_DAYS, with participants who meet the
    certificate rules of ``certificate_refusal`` but have no certificate: for those who issue them
    (``training.manage``). Five queries whatever the number of events and participants."""
    if not can(user, "training.manage"):
        return []
    events = events_visible_to(user).filter(
        status=Event.Status.HELD,
        ends_on__lte=today,
        ends_on__gte=today - datetime.timedelta(days=CERTIFICATE_WINDOW_DAYS),
    )
    candidates = list(
        Enrolment.objects.filter(
            event__in=events, status=Enrolment.Status.REGISTERED, certificate__isnull=True
        ).select_related("event__programme", "person")
    )
    if not candidates:
        return []
    shares = attendance_shares(candidates)
    event_ids = {e.event_id for e in candidates}
    post_tests = {  # one post-test per event at most (a unique constraint)
        event_id: pk
        for pk, event_id in Assessment.objects.filter(
            event_id__in=event_ids, kind=Assessment.Kind.POST_TEST
        ).values_list("pk", "event_id")
    }
    scores = {
        (r.assessment_id, r.enrolment_id): r.percent
        for r in AssessmentResult.objects.filter(
            assessment_id__in=post_tests.values(), enrolment_id__in=[e.pk for e in candidates]
        )
    }
    due: dict[int, list[Enrolment]] = {}
    events_by_id: dict[int, Event] = {}
    for enrolment in candidates:
        event = enrolment.event
        share = shares.get(enrolment.pk)
        if event.min_attendance_percent > 0 and (share is None or share * 100 < event.min_attendance_percent):
            continue
        post = post_tests.get(event.pk)
        if post is not None and event.min_test_percent > 0:
            score = scores.get((post, enrolment.pk))
            if score is None or score < event.min_test_percent:
                continue
        due.setdefault(event.pk, []).append(enrolment)
        events_by_id[event.pk] = event
    rows = [
        CertificatesDue(
            events_by_id[pk], len(people), tuple(sorted(people, key=lambda e: e.person.full_name.casefold()))
        )
        for pk, people in due.items()
    ]
    rows.sort(key=lambda row: (row.event.ends_on, row.event.pk))
    return rows


def certificate_verify(code: str) -> Certificate | None:
    """The certificate with this code if it is valid now (not revoked, event not cancelled), else None.
    Codes are compared case-insensitively with surrounding spaces removed."""
    normalised = (code or "").strip().upper()
    if not normalised or len(normalised) > 20:
        return None
    return (
        Certificate.objects.filter(code=normalised, revoked_on__isnull=True)
        .exclude(enrolment__event__status=Event.Status.CANCELLED)
        .select_related("enrolment__person", "enrolment__event__programme")
        .prefetch_related(Prefetch("grants", queryset=CompetencyGrant.objects.select_related("competency")))
        .first()
    )


@dataclass
class Need:
    region: Region
    competency: Competency
    facilities: int  # active places in the region whose type requires the competency
    holders: int  # persons of the region holding it on the day

    @property
    def is_gap(self) -> bool:
        return self.holders == 0


def training_needs(on: datetime.date) -> list[Need]:
    """Per region: competencies required by the types of its active places vs holders living there.
    Three queries whatever the size of the registry."""
    required = (
        Facility.objects.filter(status=Facility.Status.ACTIVE, type__required_competencies__isnull=False)
        .values("region_id", "type__required_competencies")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    holders = {
        (row["person__region_id"], row["competency_id"]): row["n"]
        for row in valid_grants(on)
        .filter(person__region__isnull=False)
        .values("person__region_id", "competency_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    }
    rows = list(required)
    regions = {r.pk: r for r in Region.objects.filter(pk__in={row["region_id"] for row in rows})}
    competencies = {
        c.pk: c
        for c in Competency.objects.filter(pk__in={row["type__required_competencies"] for row in rows})
    }
    needs = [
        Need(
            region=regions[row["region_id"]],
            competency=competencies[row["type__required_competencies"]],
            facilities=row["n"],
            holders=holders.get((row["region_id"], row["type__required_competencies"]), 0),
        )
        for row in rows
    ]
    needs.sort(key=lambda n: (n.region.sort_order, n.region.code, n.competency.sort_order, n.competency.code))
    return needs


def upcoming_events(user: AnyUser, from_date: datetime.date) -> QuerySet[Event]:
    """Events the user may see that are not over by ``from_date`` and not cancelled."""
    return (
        events_visible_to(user)
        .filter(ends_on__gte=from_date)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("programme", "region")
        .annotate(
            registered=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.REGISTERED)),
            waitlisted=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED)),
        )
        .order_by("starts_on", "id")
    )


def programme_detail(user: AnyUser, pk: int | str) -> Programme:
    programme = programme_for_user(user, pk)
    return (
        Programme.objects.filter(pk=programme.pk)
        .prefetch_related(
            "co_organisers",
            Prefetch(
                "events",
                queryset=Event.objects.select_related("region")
                .prefetch_related("grants", "co_organisers")
                .annotate(
                    registered=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.REGISTERED))
                ),
            ),
        )
        .get()
    )


def event_detail(user: AnyUser, pk: int | str) -> Event:
    event = event_for_user(user, pk)
    return (
        Event.objects.filter(pk=event.pk)
        .select_related("programme", "region")
        .prefetch_related(
            "grants",
            "co_organisers",
            Prefetch(
                "sessions",
                queryset=Session.objects.select_related("trainer").prefetch_related(
                    "materials", "provisions"
                ),
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("person", "organisation", "certificate"),
            ),
            "assessments__questions",
        )
        .get()
    )
