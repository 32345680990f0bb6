"""Writes of the NPM's media work: the register of media contacts, press releases drafted from a
published report, and the log of interactions with the media.

Rules (docs/decisions/0008-publishing.md, docs/permissions.md):

- Contacts hold journalists' personal data: only coordinators keep them. A contact needs a name, an
  outlet and a way to reach them (e-mail or phone); an e-mail address belongs to one contact only
  (compared case-insensitively). Contacts are deactivated, never deleted: their history stays.
- A press release is drafted only from a *published* public version - a press release for an
  unpublished (draft, submitted, approved or withdrawn) report is refused. Its text is rendered from
  a template (``publishing/press_template_<lang>.html`` if the NPM wrote one for the language, else
  the translatable ``publishing/press_template.html``) under ``translation.override(lang)``, and its
  facts come from the public text only (``services.public_text``: the accepted redactions already
  replaced by their markers) and from the facts the public portal shows about the visit (place,
  region, type of place, type and dates of the visit) - never from the internal text, so nothing
  that was redacted can reach a press release. Coordinators edit the title and text while it is a
  draft and issue it (``issued_on``) only while its report is still published.
- The release gate screens every press release (docs/decisions/0020-release-gate.md): whenever the
  title or text is drafted or changed, the detectors, the registry's names, the interviewees'
  identities and the pack's location rules propose spans (``PressRelease.screening``). A
  coordinator removes each (replaced by its marker) or keeps it; issuing is refused while a
  proposal is undecided. A kept span stays kept when the text around it changes.
- An interaction (interview, request for comment, ...) is recorded with a contact, optionally the
  issued press release it was about, its date (not in the future), a summary and a link.

Every function is keyword-only, checks the actor's rights, validates everything before writing
(bad input changes nothing, every problem is reported at once), runs in one transaction (row locks
where a status is read) and writes the audit log - never the text of a press release itself.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.i18n import pick
from dozor.core.models import CountryPack, Language, Region
from dozor.publishing import selectors
from dozor.publishing.access import can_manage_media
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport
from dozor.publishing.services import public_text, screen
from dozor.visits.models import Finding, ReportSection
from dozor.visits.reports import content as report_content

LANGUAGES = report_content.LANGUAGES
CONTACT_FIELDS = ["name", "outlet", "email", "phone", "region", "topics", "active"]
RELEASE_FIELDS = ["title", "body"]
MAX_TITLE = 300
MAX_SUMMARY_CHARS = 700  # of the summary's first paragraph quoted in the draft

_FINDING_LINE = re.compile(r"^- \[(?P<label>[^\]]+)\]")
_RECOMMENDATION_LINE = re.compile(r"^\d+\.\s")


def _require_media_manager(actor: User) -> None:
    if not can_manage_media(actor):
        raise PermissionDenied


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError({key: list(messages) for key, messages in errors.items()})


# --- contacts ---------------------------------------------------------------------------------------


@dataclass
class _ContactInput:
    name: str
    outlet: str
    email: str
    phone: str
    region: Region | None
    topics: str
    active: bool
    languages: list[Language] = field(default_factory=list)


def _clean_contact(data: _ContactInput, *, exclude: int | None = None) -> _ContactInput:
    """The input stripped and checked; ValidationError with every problem."""
    data.name, data.outlet = (data.name or "").strip(), (data.outlet or "").strip()
    data.email, data.phone = (data.email or "").strip(), (data.phone or "").strip()
    data.topics = " ".join((data.topics or "").split())
    errors: dict[str, list[str]] = {}
    if not data.name:
        errors["name"] = [_("Give the journalist's name.")]
    elif len(data.name) > 200:
        errors["name"] = [_("The name is at most 200 characters long.")]
    if not data.outlet:
        errors["outlet"] = [_("Give the outlet (newspaper, channel, site) the journalist works for.")]
    elif len(data.outlet) > 200:
        errors["outlet"] = [_("The outlet is at most 200 characters long.")]
    if not data.email and not data.phone:
        errors["email"] = [_("Give an e-mail address or a phone number: a contact must be reachable.")]
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
        else:
            taken = MediaContact.objects.filter(email__iexact=data.email)
            if exclude is not None:
                taken = taken.exclude(pk=exclude)
            if taken.exists():
                errors["email"] = [_("Another media contact already has this e-mail address.")]
    if data.phone and (len(data.phone) > 40 or not re.fullmatch(r"[+\d][\d\s().-]{4,}", data.phone)):
        errors["phone"] = [
            _("Enter a phone number: digits, spaces, brackets and dashes, optionally a leading +.")
        ]
    if len(data.topics) > 300:
        errors["topics"] = [_("The topics are at most 300 characters long.")]
    _raise(errors)
    return data


@transaction.atomic
def media_contact_create(
    *,
    actor: User,
    name: str,
    outlet: str,
    email: str = "",
    phone: str = "",
    languages: Iterable[Language] = (),
    region: Region | None = None,
    topics: str = "",
    active: bool = True,
) -> MediaContact:
    _require_media_manager(actor)
    data = _clean_contact(_ContactInput(name, outlet, email, phone, region, topics, active, list(languages)))
    contact = MediaContact.objects.create(
        name=data.name,
        outlet=data.outlet,
        email=data.email,
        phone=data.phone,
        region=data.region,
        topics=data.topics,
        active=data.active,
    )
    contact.languages.set(data.languages)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=contact,
        changes={
            **snapshot(contact, CONTACT_FIELDS),
            "languages": sorted(language.code for language in data.languages),
        },
    )
    return contact


@transaction.atomic
def media_contact_update(
    *,
    actor: User,
    contact: MediaContact,
    name: str,
    outlet: str,
    email: str = "",
    phone: str = "",
    languages: Iterable[Language] = (),
    region: Region | None = None,
    topics: str = "",
    active: bool = True,
) -> MediaContact:
    _require_media_manager(actor)
    locked = MediaContact.objects.select_for_update().get(pk=contact.pk)
    data = _clean_contact(
        _ContactInput(name, outlet, email, phone, region, topics, active, list(languages)),
        exclude=locked.pk,
    )
    before = snapshot(locked, CONTACT_FIELDS)
    languages_before = sorted(locked.languages.values_list("code", flat=True))
    for name_, value in (
        ("name", data.name),
        ("outlet", data.outlet),
        ("email", data.email),
        ("phone", data.phone),
        ("region", data.region),
        ("topics", data.topics),
        ("active", data.active),
    ):
        setattr(locked, name_, value)
    locked.save(update_fields=CONTACT_FIELDS)
    locked.languages.set(data.languages)
    languages_after = sorted(language.code for language in data.languages)
    changes = diff(before, snapshot(locked, CONTACT_FIELDS))
    if languages_before != languages_after:
        changes["languages"] = {"before": languages_before, "after": languages_after}
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def media_contact_deactivate(*, actor: User, contact: MediaContact) -> MediaContact:
    """The contact stays in the register (and its history), but is no longer offered."""
    _require_media_manager(actor)
    locked = MediaContact.objects.select_for_update().get(pk=contact.pk)
    if not locked.active:
        return locked
    locked.active = False
    locked.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"active": {"before": True, "after": False}},
    )
    contact.active = False
    return locked


# --- press releases -----------------------------------------------------------------------------


@dataclass
class ReleaseFacts:
    """What a press release draft may say: the public text and the portal's facts only."""

    lang: str
    npm_name: str
    place: str
    region: str
    place_type: str
    visit_type: str
    dates: str
    announced: bool
    summary: str
    findings_total: int
    findings_by_severity: list[tuple[str, int]]  # (label, count) in order of severity
    positive: int
    recommendations: int
    portal_url: str  # the report on the public portal, in the release's language


def _first_paragraph(text: str) -> str:
    """The first non-empty line of a section, cut at a sentence end if it is very long."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if len(line) <= MAX_SUMMARY_CHARS:
            return line
        cut = line[:MAX_SUMMARY_CHARS]
        end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        return cut[: end + 1] if end > 0 else cut.rsplit(" ", 1)[0] + " …"
    return ""


def _count_findings(text: str, lang: str) -> Counter[str]:
    """Finding lines (``- [severity] title ...``, as ``report_content`` writes them) by label."""
    with translation.override(lang):
        known = {str(label) for _code, label in Finding.Severity.choices}
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        match = _FINDING_LINE.match(line.strip())
        if match and match["label"] in known:
            counts[match["label"]] += 1
    return counts


def _count_lines(text: str, pattern: re.Pattern[str]) -> int:
    return sum(1 for line in text.splitlines() if pattern.match(line.strip()))


def release_facts(public_report: PublicReport, lang: str) -> ReleaseFacts:
    """The facts of a draft, from the public text of ``public_report`` (never its ``source``
    directly) and the visit's public facts, with labels in ``lang``."""
    texts = public_text(public_report)
    visit = public_report.report.visit
    facility = visit.facility
    keys = ReportSection.Key
    by_label = _count_findings(texts.get(keys.FINDINGS, ""), public_report.lang)
    with translation.override(public_report.lang):
        source_labels = {code: str(label) for code, label in Finding.Severity.choices}
    with translation.override(lang):
        severity = [
            (str(label), by_label[source_labels[code]])
            for code, label in Finding.Severity.choices
            if code != Finding.Severity.POSITIVE and by_label[source_labels[code]]
        ]
        ended = visit.ended_on
        dates = (
            f"{visit.started_on:%d.%m.%Y}"
            if ended is None or ended == visit.started_on
            else f"{visit.started_on:%d.%m.%Y} – {ended:%d.%m.%Y}"
        )
        pack = CountryPack.objects.order_by("-loaded_at").first()
        pack_name = pick(pack, "npm_name", lang) if pack is not None else ""
        return ReleaseFacts(
            lang=lang,
            npm_name=pack_name or _("The National Preventive Mechanism"),
            place=pick(facility, "name", lang),
            region=pick(facility.region, "name", lang),
            place_type=pick(facility.type, "name", lang),
            visit_type=pick(visit.visit_type, "name", lang),
            dates=dates,
            announced=visit.announced,
            summary=_first_paragraph(texts.get(keys.SUMMARY, "")),
            findings_total=sum(count for _label, count in severity),
            findings_by_severity=severity,
            positive=_count_lines(texts.get(keys.POSITIVE, ""), _FINDING_LINE),
            recommendations=_count_lines(texts.get(keys.RECOMMENDATIONS, ""), _RECOMMENDATION_LINE),
            portal_url=_portal_url(public_report, lang),
        )


def _portal_url(public_report: PublicReport, lang: str) -> str:
    path = reverse("public:report", kwargs={"lang": lang, "report_id": public_report.report_id})
    return f"{settings.DOZOR_SITE_URL}{path}"


def render_release(facts: ReleaseFacts) -> tuple[str, str]:
    """(title, body) of a draft in ``facts.lang``."""
    with translation.override(facts.lang):
        template = select_template(
            [f"publishing/press_template_{facts.lang}.html", "publishing/press_template.html"]
        )
        body = template.render({"facts": facts})
        title = _("%(npm)s publishes its report on the visit to %(place)s") % {
            "npm": facts.npm_name,
            "place": facts.place,
        }
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in body.strip().splitlines()))
    return title[:MAX_TITLE], body + "\n"


def _unpublished_message(public_report: PublicReport) -> str:
    return _(
        "A press release for an unpublished report is refused: this public version is “%(status)s”. "
        "Publish the report first."
    ) % {"status": public_report.get_status_display()}


@transaction.atomic
def press_release_draft(*, actor: User, public_report: PublicReport, lang: str) -> PressRelease:
    """A draft press release announcing a published public version, in ``lang``."""
    _require_media_manager(actor)
    locked = (
        PublicReport.objects.select_for_update(of=("self",))
        .select_related(
            "report__visit__facility__region",
            "report__visit__facility__type",
            "report__visit__visit_type",
        )
        .get(pk=public_report.pk)
    )
    errors: dict[str, list[str]] = {}
    if locked.status != PublicReport.Status.PUBLISHED:
        errors["public_report"] = [_unpublished_message(locked)]
    if lang not in LANGUAGES:
        errors["lang"] = [_("Choose the language of the press release.")]
    _raise(errors)
    title, body = render_release(release_facts(locked, lang))
    release = PressRelease.objects.create(
        public_report=locked, lang=lang, title=title, body=body, created_by=actor
    )
    release.screening = _screening(actor=actor, release=release, previous=[])
    release.save(update_fields=["screening"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=release,
        changes={"public_report": locked.pk, "lang": lang, "status": release.status},
    )
    return release


# --- the release gate for press releases ---------------------------------------------------------

SCREENED_FIELDS = ("title", "body")


def _screening(
    *, actor: User, release: PressRelease, previous: Iterable[Mapping[str, object]]
) -> list[dict[str, object]]:
    """The gate's proposals for the release's title and text; a span kept before (same field, kind
    and words) stays kept."""
    kept = {
        (str(p.get("field")), str(p.get("kind")), str(p.get("text"))): p.get("decided_by")
        for p in previous
        if p.get("state") == "rejected"
    }
    found = selectors.names_to_redact(release.public_report.report, f"{release.title}\n{release.body}")
    for interview_id in found.interview_ids:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.READ,
            object_type="visits.interview",
            object_id=str(interview_id),
            changes={"fields": ["identity"], "purpose": "redaction", "press_release": release.pk},
        )
    out: list[dict[str, object]] = []
    for field_name in SCREENED_FIELDS:
        text = getattr(release, field_name)
        for proposal in screen(text, names=found.names, identities=found.identities):
            words = text[proposal.start : proposal.end]
            key = (field_name, proposal.kind, words)
            out.append(
                {
                    "field": field_name,
                    "start": proposal.start,
                    "end": proposal.end,
                    "kind": proposal.kind,
                    "text": words,
                    "replacement": proposal.replacement,
                    "state": "rejected" if key in kept else "proposed",
                    "decided_by": kept.get(key),
                }
            )
    return out


def undecided(press_release: PressRelease) -> int:
    return sum(1 for p in press_release.screening or [] if p.get("state") == "proposed")


@transaction.atomic
def press_release_decide(
    *, actor: User, press_release: PressRelease, index: int, accept: bool
) -> PressRelease:
    """Remove (``accept``: the words are replaced by the marker) or keep a proposed span of a draft."""
    _require_media_manager(actor)
    locked = (
        PressRelease.objects.select_for_update()
        .select_related("public_report__report")
        .get(pk=press_release.pk)
    )
    _require_draft(locked)
    proposals = list(locked.screening or [])
    if not (0 <= index < len(proposals)) or proposals[index].get("state") != "proposed":
        raise ValidationError(_("This proposal no longer exists: the text was screened again."), code="stale")
    chosen = proposals[index]
    field_name = str(chosen["field"])
    text = getattr(locked, field_name)
    start, end = int(chosen["start"]), int(chosen["end"])
    if text[start:end] != chosen["text"]:
        raise ValidationError(_("This proposal no longer exists: the text was screened again."), code="stale")
    if accept:
        setattr(locked, field_name, text[:start] + str(chosen["replacement"]) + text[end:])
        locked.screening = _screening(actor=actor, release=locked, previous=proposals)
    else:
        chosen["state"], chosen["decided_by"] = "rejected", actor.pk
        locked.screening = proposals
    locked.save(update_fields=["title", "body", "screening"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"screening": {"field": field_name, "kind": chosen["kind"], "removed": accept}},
    )
    press_release.title, press_release.body, press_release.screening = (
        locked.title,
        locked.body,
        locked.screening,
    )
    return locked


def _require_draft(release: PressRelease) -> None:
    if release.status != PressRelease.Status.DRAFT:
        raise ValidationError(
            _("This press release was issued on %(date)s; an issued press release is not changed.")
            % {"date": f"{release.issued_on:%d.%m.%Y}" if release.issued_on else "—"},
            code="status",
        )


@transaction.atomic
def press_release_update(*, actor: User, press_release: PressRelease, title: str, body: str) -> PressRelease:
    _require_media_manager(actor)
    locked = PressRelease.objects.select_for_update().get(pk=press_release.pk)
    _require_draft(locked)
    title, body = " ".join((title or "").split()), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the press release a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("The title is at most %(count)s characters long.") % {"count": MAX_TITLE}]
    if not body:
        errors["body"] = [_("The press release has no text.")]
    _raise(errors)
    before = snapshot(locked, RELEASE_FIELDS)
    locked.title, locked.body = title, body + "\n"
    if diff(before, snapshot(locked, RELEASE_FIELDS)):
        locked.screening = _screening(actor=actor, release=locked, previous=locked.screening or [])
    locked.save(update_fields=[*RELEASE_FIELDS, "screening"])
    changed = sorted(diff(before, snapshot(locked, RELEASE_FIELDS)))
    if changed:  # which fields changed, not the text (it is in the row)
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes={"fields": changed})
    press_release.title, press_release.body = locked.title, locked.body
    press_release.screening = locked.screening
    return locked


@transaction.atomic
def press_release_issue(
    *, actor: User, press_release: PressRelease, issued_on: datetime.date | None = None
) -> PressRelease:
    """Draft -> issued, on ``issued_on`` (today by default; never in the future), while its report
    is still published."""
    _require_media_manager(actor)
    locked = PressRelease.objects.select_for_update().get(pk=press_release.pk)
    _require_draft(locked)
    public = PublicReport.objects.select_for_update().get(pk=locked.public_report_id)
    today = timezone.localdate()
    issued_on = issued_on or today
    errors: dict[str, list[str]] = {}
    if public.status != PublicReport.Status.PUBLISHED:
        errors["public_report"] = [_unpublished_message(public)]
    if issued_on > today:
        errors["issued_on"] = [_("The date of issue cannot be in the future.")]
    if undecided(locked):
        errors["screening"] = [
            _(
                "%(count)s proposed removal(s) are not decided yet: remove or keep each before issuing "
                "the press release."
            )
            % {"count": undecided(locked)}
        ]
    _raise(errors)
    locked.status, locked.issued_on = PressRelease.Status.ISSUED, issued_on
    locked.save(update_fields=["status", "issued_on"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={
            "status": {"before": PressRelease.Status.DRAFT, "after": locked.status},
            "issued_on": issued_on.isoformat(),
        },
    )
    press_release.status, press_release.issued_on = locked.status, locked.issued_on
    return locked


def press_release_text(press_release: PressRelease) -> str:
    """The release as a plain-text document (title, underline, text)."""
    title = press_release.title.strip()
    return f"{title}\n{'=' * min(len(title), 78)}\n\n{press_release.body.strip()}\n"


# --- interactions -----------------------------------------------------------------------------------


@transaction.atomic
def media_interaction_record(
    *,
    actor: User,
    contact: MediaContact | None,
    kind: str,
    happened_on: datetime.date | None,
    summary: str,
    press_release: PressRelease | None = None,
    link: str = "",
) -> MediaInteraction:
    _require_media_manager(actor)
    summary, link = (summary or "").strip(), (link or "").strip()
    errors: dict[str, list[str]] = {}
    if contact is None:
        errors["contact"] = [_("Choose the media contact.")]
    if kind not in MediaInteraction.Kind.values:
        errors["kind"] = [_("Choose the kind of interaction.")]
    if happened_on is None:
        errors["happened_on"] = [_("Give the date of the interaction.")]
    elif happened_on > timezone.localdate():
        errors["happened_on"] = [
            _("The date cannot be in the future: record an interaction once it happened.")
        ]
    if not summary:
        errors["summary"] = [_("Summarise what was asked, said or published.")]
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = [_("Enter a full web address starting with http:// or https://.")]
        if len(link) > 200:
            errors["link"] = [_("The link is at most 200 characters long.")]
    if press_release is not None:
        current = PressRelease.objects.filter(pk=press_release.pk).values_list("status", flat=True).first()
        if current != PressRelease.Status.ISSUED:
            errors["press_release"] = [
                _("Only an issued press release can be linked: a draft was sent to nobody.")
            ]
    _raise(errors)
    assert happened_on is not None
    interaction = MediaInteraction.objects.create(
        contact=contact,
        press_release=press_release,
        kind=kind,
        happened_on=happened_on,
        summary=summary,
        link=link,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=interaction,
        changes={
            "contact": contact.pk if contact is not None else None,
            "press_release": press_release.pk if press_release is not None else None,
            "kind": kind,
            "happened_on": happened_on.isoformat(),
        },
    )
    return interaction
