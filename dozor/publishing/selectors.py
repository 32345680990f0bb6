"""Reads of the redaction workflow: the lists, one version with access checked, the names the
detectors look for, and the pieces of text the editor page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser
from dozor.accounts.models import AuditEvent
from dozor.core.screening import names_present
from dozor.publishing.access import can_redact, is_publishing_staff, public_reports_visible_to
from dozor.publishing.models import PublicReport, Redaction
from dozor.visits.access import reports_visible_to
from dozor.visits.interviews.names import name_sources
from dozor.visits.models import Report, ReportSection, TeamMember

PUBLISHABLE = (Report.Status.APPROVED, Report.Status.SENT, Report.Status.PUBLISHED)


def public_reports_list(
    user: AnyUser, *, report_id: int | None = None, audience: str | None = None
) -> QuerySet[PublicReport]:
    """The releases the user may see (of one audience, if given), with what the list shows loaded
    up front."""
    query = public_reports_visible_to(user)
    if audience is not None:
        query = query.filter(audience=audience)
    if report_id is not None:
        query = query.filter(report_id=report_id)
    return query.select_related("report__visit__facility", "editor", "approver").annotate(
        proposed_count=Count("redactions", filter=Q(redactions__state=Redaction.State.PROPOSED)),
        accepted_count=Count("redactions", filter=Q(redactions__state=Redaction.State.ACCEPTED)),
    )


def reports_without_public_version(user: AnyUser) -> QuerySet[Report]:
    """Reports a coordinator may make a public version of (approved, sent or already published)
    that have none yet."""
    if not can_redact(user):
        return Report.objects.none()
    return (
        reports_visible_to(user)
        .filter(status__in=PUBLISHABLE)
        .exclude(public_versions__audience=PublicReport.Audience.PUBLIC)
        .select_related("visit__facility")
        .order_by("-updated_at", "-id")
    )


def reports_without_release(user: AnyUser, audience: str) -> QuerySet[Report]:
    """Reports ready for a release to ``audience`` that have none yet: for the public, approved,
    sent or published reports; for the authority, approved reports not yet sent."""
    if audience != PublicReport.Audience.AUTHORITY:
        return reports_without_public_version(user)
    if not can_redact(user):
        return Report.objects.none()
    return (
        reports_visible_to(user)
        .filter(status=Report.Status.APPROVED)
        .exclude(public_versions__audience=PublicReport.Audience.AUTHORITY)
        .select_related("visit__facility")
        .order_by("-updated_at", "-id")
    )


def public_report_for_user(user: AnyUser, pk: int) -> PublicReport:
    """The version if the user may see the redaction work, else 404."""
    found = public_reports_visible_to(user).select_related("report__visit__facility", "editor", "approver")
    public = found.filter(pk=pk).first()
    if public is None:
        raise Http404
    return public


def redaction_for_user(user: AnyUser, pk: int) -> Redaction:
    redaction = (
        Redaction.objects.filter(public_report__in=public_reports_visible_to(user), pk=pk)
        .select_related("public_report")
        .first()
    )
    if redaction is None:
        raise Http404
    return redaction


def publishable_report_for_user(user: AnyUser, pk: int) -> Report:
    report = reports_visible_to(user).select_related("visit__facility").filter(pk=pk).first()
    if report is None or not is_publishing_staff(user):
        raise Http404
    return report


def last_return_reason(public_report: PublicReport) -> str:
    """Why the version was last sent back to redaction (kept in the audit log), if it was."""
    events = AuditEvent.objects.filter(
        object_type="publishing.publicreport", object_id=str(public_report.pk), changes__has_key="reason"
    ).order_by("-id")
    for event in events[:1]:
        return str(event.changes.get("reason", ""))
    return ""


# --- the names the detectors look for --------------------------------------------------------------


@dataclass
class Names:
    names: list[str]
    interview_ids: list[int]  # interviews whose identity was decrypted (audited by the service)
    # the parts of the interviewees' recorded identities (names, nicknames), each exact occurrence
    # of which is proposed as well (the detectors look for grammatical forms of ``names``)
    identities: list[str] = field(default_factory=list)


def names_to_redact(report: Report, text: str) -> Names:
    """The names of registry persons, of the visit's interviewees (their recorded identity) and of
    the visit's team that may occur in ``text``: the detectors find every grammatical form of a
    name, so a name is passed when the stem of one of its parts occurs (a cheap test first, since
    the registry is large and every name passed widens the detectors' search)."""
    sources = name_sources(report.visit_id)
    candidates, identities, interview_ids = sources.candidates, sources.identities, sources.interview_ids
    for member in TeamMember.objects.filter(visit_id=report.visit_id).select_related("user"):
        candidates.append(member.user.get_full_name())
    return Names(
        names=names_present(text, candidates), interview_ids=interview_ids, identities=sorted(identities)
    )


# --- what the editor page shows --------------------------------------------------------------------


@dataclass
class Piece:
    text: str
    redaction: Redaction | None = None


@dataclass
class SectionView:
    key: str
    title: str
    source: str
    pieces: list[Piece] = field(default_factory=list)
    redactions: list[Redaction] = field(default_factory=list)

    @property
    def proposed(self) -> int:
        return sum(1 for r in self.redactions if r.state == Redaction.State.PROPOSED)


def section_titles() -> dict[str, str]:
    return {str(key): str(label) for key, label in ReportSection.Key.choices}


def _pieces(text: str, redactions: list[Redaction]) -> list[Piece]:
    """The text cut at the proposed and accepted redactions (rejected ones stay plain text)."""
    pieces: list[Piece] = []
    position = 0
    for redaction in redactions:
        if redaction.state == Redaction.State.REJECTED or redaction.start < position:
            continue
        if redaction.start > position:
            pieces.append(Piece(text[position : redaction.start]))
        pieces.append(Piece(text[redaction.start : redaction.end], redaction))
        position = redaction.end
    pieces.append(Piece(text[position:]))
    return [p for p in pieces if p.text]


def section_views(public_report: PublicReport) -> list[SectionView]:
    titles = section_titles()
    by_section: dict[str, list[Redaction]] = {}
    for redaction in (
        Redaction.objects.filter(public_report=public_report)
        .select_related("decided_by")
        .order_by("section", "start", "end", "id")
    ):
        by_section.setdefault(redaction.section, []).append(redaction)
    views = []
    for key, text in public_report.source.items():
        redactions = by_section.get(key, [])
        views.append(
            SectionView(
                key=key,
                title=titles.get(key, key),
                source=text,
                pieces=_pieces(text, redactions),
                redactions=redactions,
            )
        )
    return views
