"""The home page per role, composed from above: what awaits this user, block by block, each built
from one app's selectors - which start from that app's access helpers - so nobody sees a row they
could not open: the next planned visits of their own group (an unannounced one only for its group
and coordinators, and its showing audited), the reports to write or approve, the responses to
assess, the overdue recommendations, an authority's unanswered recommendations and letters, and the
certificates to issue. Each block lists a few rows and a count linking to the full filtered list.

``menu_counts`` is the one place where the navigation's counts ("Responses to assess (3)") are
computed: one count query for a coordinator or a liaison, none for the others."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser, active_user, can
from dozor.core.outbox.services import notifications_failing, notifications_failing_count
from dozor.planning.access import audit_secret_views
from dozor.planning.selectors import next_own_visits
from dozor.recommendations.access import is_liaison, letters_visible_to, recommendations_visible_to
from dozor.recommendations.letters.services import awaiting_answer
from dozor.recommendations.portal.views import UNANSWERED
from dozor.recommendations.selectors import (
    RecommendationFilters,
    recommendation_search,
    responses_to_assess,
    unanswered,
)
from dozor.training.selectors import certificates_to_issue
from dozor.visits.selectors import OPEN_REPORTS, reports_to_approve, reports_to_write

ROWS = 5  # rows listed per block; the count links to the rest


@dataclass(frozen=True)
class Row:
    label: str
    url: str
    note: str = ""
    flag: str | Promise = ""  # a short marker, e.g. "unannounced"


@dataclass(frozen=True)
class Block:
    key: str  # names the block for tests and styles
    title: str | Promise
    count: int
    url: str  # the full filtered list
    rows: list[Row] = field(default_factory=list)
    empty: str | Promise = ""


def _list(url_name: str, **query: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode(query)}" if query else url


def _take(qs: QuerySet[Any]) -> tuple[list[Any], int]:
    """The first ROWS rows and the total: one query, two when there are more rows than shown."""
    items = list(qs[: ROWS + 1])
    if len(items) <= ROWS:
        return items, len(items)
    return items[:ROWS], qs.count()


def _short(text: str, words: int = 14) -> str:
    return Truncator(text).words(words)


def _next_visits(user: AnyUser, today: datetime.date) -> Block:
    visits, count = _take(next_own_visits(user, today))
    audit_secret_views(user, visits, via="home")
    rows = [
        Row(
            label=visit.facility.name,
            url=reverse("planning:visit_detail", args=[visit.pk]),
            note=f"{visit.starts_on:%Y-%m-%d} – {visit.ends_on:%Y-%m-%d}",
            flag="" if visit.announced else _("unannounced"),
        )
        for visit in visits
    ]
    return Block(
        "next-visits",
        _("My next visits"),
        count,
        reverse("planning:my_visits"),
        rows,
        _("No visits are planned for your group."),
    )


def _report_rows(reports: list[Any]) -> list[Row]:
    return [
        Row(
            label=report.visit.facility.name,
            url=reverse("visits:report_detail", args=[report.pk]),
            note=f"{report.visit.started_on:%Y-%m-%d}",
            flag=report.get_status_display(),
        )
        for report in reports
    ]


def _reports_to_write(user: AnyUser) -> Block:
    reports, count = _take(
        reports_to_write(user).select_related("visit__facility").order_by("visit__started_on", "id")
    )
    return Block(
        "reports-to-write",
        _("Reports to write"),
        count,
        _list("visits:list", report=OPEN_REPORTS, mine="on"),
        _report_rows(reports),
        _("No report of your visits is being written."),
    )


def _reports_to_approve(user: AnyUser) -> Block:
    reports, count = _take(
        reports_to_approve(user).select_related("visit__facility").order_by("updated_at", "id")
    )
    return Block(
        "reports-to-approve",
        _("Reports to approve"),
        count,
        _list("visits:list", report="review"),
        _report_rows(reports),
        _("No report waits for approval."),
    )


def _responses(user: AnyUser) -> Block:
    responses, count = _take(responses_to_assess(user))
    rows = [
        Row(
            label=_short(response.recommendation.text),
            url=reverse("recommendations:response_detail", args=[response.pk]),
            note=f"{response.submitted_at:%Y-%m-%d}",
            flag=response.authority.name,
        )
        for response in responses
    ]
    return Block(
        "responses",
        _("Responses to assess"),
        count,
        reverse("recommendations:responses_to_assess"),
        rows,
        _("No response waits for assessment."),
    )


def _overdue(user: AnyUser, today: datetime.date) -> Block:
    recs, count = _take(
        recommendation_search(user, RecommendationFilters(overdue=True), today=today).order_by(
            "deadline", "id"
        )
    )
    rows = [
        Row(
            label=_short(rec.text),
            url=reverse("recommendations:detail", args=[rec.pk]),
            note=f"{rec.deadline:%Y-%m-%d}",
            flag=rec.facility.name if rec.facility_id else (rec.authority.name if rec.authority_id else ""),
        )
        for rec in recs
    ]
    return Block(
        "overdue",
        _("Overdue recommendations"),
        count,
        _list("recommendations:list", overdue="on"),
        rows,
        _("No recommendation is overdue."),
    )


def _unanswered(user: AnyUser) -> Block:
    recs, count = _take(
        unanswered(user, recommendations_visible_to(user))
        .select_related("facility", "authority")
        .order_by("deadline", "-issued_on", "id")
    )
    rows = [
        Row(
            label=_short(rec.text),
            url=reverse("recommendations:portal_recommendation", args=[rec.pk]),
            note=f"{rec.deadline:%Y-%m-%d}" if rec.deadline else "",
            flag=rec.facility.name if rec.facility_id else (rec.authority.name if rec.authority_id else ""),
        )
        for rec in recs
    ]
    return Block(
        "unanswered",
        _("Recommendations awaiting your answer"),
        count,
        _list("recommendations:portal_recommendations", status=UNANSWERED),
        rows,
        _("Every open recommendation has an answer."),
    )


def _letters(user: AnyUser) -> Block:
    letters, count = _take(awaiting_answer(letters_visible_to(user)).order_by("due_on", "id"))
    rows = [
        Row(
            label=f"{letter.number} · {_short(letter.subject, 10)}",
            url=reverse("recommendations:letter_detail", args=[letter.pk]),
            note=f"{letter.due_on:%Y-%m-%d}" if letter.due_on else "",
        )
        for letter in letters
    ]
    return Block(
        "letters",
        _("Letters awaiting an answer"),
        count,
        _list("recommendations:letter_list", unanswered="on"),
        rows,
        _("No letter awaits an answer."),
    )


def _certificates(user: AnyUser, today: datetime.date) -> Block:
    due = certificates_to_issue(user, today)
    rows = [
        Row(
            label=row.event.title,
            url=reverse("training:event", args=[row.event.pk]),
            note=f"{row.event.ends_on:%Y-%m-%d}",
            flag=str(row.count),
        )
        for row in due[:ROWS]
    ]
    return Block(
        "certificates",
        _("Certificates to issue"),
        sum(row.count for row in due),
        reverse("training:certificates_due"),
        rows,
        _("Every qualifying participant has a certificate."),
    )


def _failing_notifications() -> Block | None:
    """The e-mails the mail server keeps refusing: shown only when there are some (an alarm)."""
    notifications, count = _take(notifications_failing().order_by("-attempts", "created_at", "id"))
    if not count:
        return None
    rows = [
        Row(
            label=_short(notification.subject, 10),
            url=reverse("web:outbox"),
            note=notification.address,
            flag=str(notification.attempts),
        )
        for notification in notifications
    ]
    return Block("failing-notifications", _("Failing e-mails"), count, reverse("web:outbox"), rows)


def home_blocks(user: AnyUser, today: datetime.date | None = None) -> list[Block]:
    """What awaits ``user``, in the order of their work; an empty list for a role with none."""
    today = today or timezone.localdate()
    blocks: list[Block] = []
    if active_user(user) is None:
        return blocks
    if can(user, "notifications.manage") and (failing := _failing_notifications()) is not None:
        blocks.append(failing)
    if can(user, "planning.view"):
        blocks.append(_next_visits(user, today))
    if can(user, "visits.record"):
        blocks.append(_reports_to_write(user))
    if can(user, "visits.manage"):
        blocks.append(_reports_to_approve(user))
    if can(user, "recommendations.assess"):
        blocks.append(_responses(user))
    if can(user, "recommendations.follow_up"):
        blocks.append(_overdue(user, today))
    if is_liaison(user):
        blocks.append(_unanswered(user))
        blocks.append(_letters(user))
    if can(user, "training.manage"):
        blocks.append(_certificates(user, today))
    return blocks


def menu_counts(user: AnyUser) -> dict[str, int]:
    """Counts shown beside menu items, keyed by the item's section: only those that cost a single
    count query (the responses to assess; a liaison's unanswered recommendations; the failing e-mails)."""
    counts: dict[str, int] = {}
    if can(user, "recommendations.assess"):
        counts["responses"] = responses_to_assess(user).count()
    if is_liaison(user):
        counts["portal"] = unanswered(user, recommendations_visible_to(user)).count()
    if can(user, "notifications.manage"):
        counts["outbox"] = notifications_failing_count()
    return counts
