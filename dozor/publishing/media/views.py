"""Pages of the media work (see dozor/publishing/media/urls.py).

Contacts and the interaction log hold journalists' personal data: only coordinators see them;
everyone else gets 404 (anonymous visitors are sent to sign in). Press releases are read by
coordinators and council members; only coordinators draft, edit and issue them (a council member
pressing one of those gets 403). Thin adapters: access through ``dozor.publishing.access``, one service
call, render. Every form is a plain POST: no JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dozor.accounts.access import AnyUser
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import User
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.publishing.access import (
    can_manage_media,
    can_read_press_releases,
    media_contacts_visible_to,
    media_interactions_visible_to,
    press_releases_visible_to,
    published_reports,
)
from dozor.publishing.forms import LANGUAGE_CHOICES
from dozor.publishing.media import services as services_media
from dozor.publishing.media.forms import (
    ContactFilterForm,
    InteractionFilterForm,
    MediaContactForm,
    MediaInteractionForm,
    PressReleaseEditForm,
    PressReleaseIssueForm,
    PressReleaseStartForm,
)
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport, Redaction

SECTION = "media"
PAGE_SIZE = 50
LANGUAGE_NAMES = {code: str(label) for code, label in LANGUAGE_CHOICES}


def _manager(request: AuthedRequest) -> User:
    """Coordinators; anyone else must not learn that the register exists."""
    if not can_manage_media(request.user):
        raise Http404
    return request.user


def _reader(request: AuthedRequest) -> User:
    """Coordinators and council members read press releases; everyone else gets 404."""
    if not can_read_press_releases(request.user):
        raise Http404
    return request.user


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"section": SECTION, "can_manage": can_manage_media(request.user), **extra}


# --- contacts ---------------------------------------------------------------------------------------


def contact_for_user(user: AnyUser, pk: int) -> MediaContact:
    contact = media_contacts_visible_to(user).select_related("region").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def contacts_filtered(
    user: AnyUser, *, q: str, outlet: str, language: Any, region: Any, active: str
) -> QuerySet[MediaContact]:
    contacts = media_contacts_visible_to(user)
    if active == ContactFilterForm.ACTIVE:
        contacts = contacts.filter(active=True)
    elif active == ContactFilterForm.INACTIVE:
        contacts = contacts.filter(active=False)
    if outlet:
        contacts = contacts.filter(outlet__icontains=outlet)
    if language is not None:
        contacts = contacts.filter(languages=language)
    if region is not None:
        contacts = contacts.filter(region=region)
    if q:
        contacts = contacts.filter(Q(topics__icontains=q) | Q(name__icontains=q))
    return (
        contacts.select_related("region")
        .prefetch_related("languages")
        .annotate(interaction_count=Count("interactions", distinct=True))
        .order_by("outlet", "name", "pk")
    )


@login_required
@require_GET
def media_contact_list(request: AuthedRequest) -> HttpResponse:
    user = _manager(request)
    form = ContactFilterForm(request.GET)
    contacts = contacts_filtered(user, **form.values())
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "publishing/media_contacts.html", _context(request, form=form, page=page))


@login_required
@require_http_methods(["GET", "POST"])
def media_contact_create(request: AuthedRequest) -> HttpResponse:
    user = _manager(request)
    form = MediaContactForm(request.POST or None, initial={"active": True})
    if request.method == "POST":
        contact = submit_form(form, lambda: services_media.media_contact_create(actor=user, **form.values()))
        if contact is not None:
            messages.success(request, _("The media contact was added."))
            return redirect("publishing:media_contact", pk=contact.pk)
    return render(
        request,
        "publishing/media_contact_form.html",
        _context(request, form=form, contact=None),
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def media_contact_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The contact and the history of interactions with them."""
    user = _manager(request)
    contact = contact_for_user(user, pk)
    interactions = (
        media_interactions_visible_to(user)
        .filter(contact=contact)
        .select_related("press_release", "recorded_by")
        .order_by("-happened_on", "-id")
    )
    return render(
        request,
        "publishing/media_contact.html",
        _context(
            request,
            contact=contact,
            languages=list(contact.languages.all()),
            interactions=interactions,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    contact = contact_for_user(user, pk)
    form = (
        MediaContactForm(request.POST) if request.method == "POST" else MediaContactForm.for_contact(contact)
    )
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services_media.media_contact_update(actor=user, contact=contact, **form.values()),
        )
        if saved is not None:
            messages.success(request, _("The media contact was saved."))
            return redirect("publishing:media_contact", pk=contact.pk)
    return render(
        request,
        "publishing/media_contact_form.html",
        _context(request, form=form, contact=contact),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def media_contact_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    contact = contact_for_user(user, pk)
    services_media.media_contact_deactivate(actor=user, contact=contact)
    messages.success(request, _("The media contact was deactivated; their history is kept."))
    return redirect("publishing:media_contact", pk=contact.pk)


# --- press releases -----------------------------------------------------------------------------


def release_for_user(user: AnyUser, pk: int) -> PressRelease:
    release = (
        press_releases_visible_to(user)
        .select_related("public_report__report__visit__facility", "created_by")
        .filter(pk=pk)
        .first()
    )
    if release is None:
        raise Http404
    return release


def _published_choices() -> QuerySet[PublicReport]:
    return (
        published_reports()
        .select_related("report__visit__facility")
        .defer("source")
        .order_by("-published_at", "-id")
    )


@login_required
@require_GET
def press_release_list(request: AuthedRequest) -> HttpResponse:
    user = _reader(request)
    status = request.GET.get("status", "")
    releases = press_releases_visible_to(user).select_related("public_report__report__visit__facility")
    if status in PressRelease.Status.values:
        releases = releases.filter(status=status)
    page = Paginator(releases.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "publishing/press_releases.html",
        _context(
            request,
            page=page,
            status=status,
            statuses=PressRelease.Status.choices,
            languages=LANGUAGE_NAMES,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def press_release_create(request: AuthedRequest) -> HttpResponse:
    """Draft a press release from a published public version (``?public=<pk>`` preselects one)."""
    user = _reader(request)
    if not can_manage_media(user):
        raise PermissionDenied
    versions = _published_choices()
    initial: dict[str, Any] = {}
    preselected = versions.filter(pk=_int(request.GET.get("public")) or 0).first()
    if preselected is not None:
        initial = {"public_report": preselected, "lang": preselected.lang}
    form = PressReleaseStartForm(request.POST or None, versions=versions, initial=initial)
    if request.method == "POST":
        # the service checks the status itself under a row lock; the form's choices are only a help
        form.fields["public_report"].queryset = PublicReport.objects.select_related(  # type: ignore[attr-defined]
            "report__visit__facility"
        )
        release = submit_form(form, lambda: services_media.press_release_draft(actor=user, **form.values()))
        if release is not None:
            messages.success(request, _("A draft press release was written from the published report."))
            return redirect("publishing:press_release", pk=release.pk)
    return render(
        request,
        "publishing/press_release_new.html",
        _context(request, form=form, has_published=versions.exists()),
        status=400 if form.errors else 200,
    )


KIND_LABELS = {str(code): str(label) for code, label in Redaction.Kind.choices}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _release_page(
    request: HttpRequest,
    release: PressRelease,
    *,
    edit_form: PressReleaseEditForm | None = None,
    issue_form: PressReleaseIssueForm | None = None,
    status: int = 200,
    screen_errors: list[str] | None = None,
) -> HttpResponse:
    manage = can_manage_media(request.user)
    editable = manage and release.status == PressRelease.Status.DRAFT
    interactions: list[MediaInteraction] = []
    if manage:
        interactions = list(
            media_interactions_visible_to(request.user)
            .filter(press_release=release)
            .select_related("contact")
            .order_by("-happened_on", "-id")
        )
    return render(
        request,
        "publishing/press_release.html",
        _context(
            request,
            release=release,
            public=release.public_report,
            visit=release.public_report.report.visit,
            language=LANGUAGE_NAMES.get(release.lang, release.lang),
            report_published=release.public_report.status == PublicReport.Status.PUBLISHED,
            editable=editable,
            edit_form=edit_form
            or (
                PressReleaseEditForm(initial={"title": release.title, "body": release.body})
                if editable
                else None
            ),
            issue_form=issue_form or (PressReleaseIssueForm() if editable else None),
            interactions=interactions,
            screening=[
                {**proposal, "index": n, "kind_label": KIND_LABELS.get(str(proposal.get("kind")), "")}
                for n, proposal in enumerate(release.screening or [])
                if proposal.get("state") == "proposed"
            ]
            if manage
            else [],
            kept=sum(1 for p in release.screening or [] if p.get("state") == "rejected") if manage else 0,
            screen_errors=screen_errors or [],
        ),
        status=status,
    )


@login_required
@require_GET
def press_release_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    return _release_page(request, release_for_user(user, pk))


@login_required
@require_POST
def press_release_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    release = release_for_user(user, pk)
    if not can_manage_media(user):
        raise PermissionDenied
    form = PressReleaseEditForm(request.POST)
    saved = submit_form(
        form,
        lambda: services_media.press_release_update(actor=user, press_release=release, **form.values()),
    )
    if saved is None:
        return _release_page(request, release, edit_form=form, status=400)
    messages.success(request, _("The press release was saved."))
    return redirect("publishing:press_release", pk=release.pk)


@login_required
@require_POST
def press_release_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Remove or keep one span the release gate proposed (coordinators, while a draft)."""
    user = _reader(request)
    release = release_for_user(user, pk)
    if not can_manage_media(user):
        raise PermissionDenied
    try:
        index = int(request.POST.get("index", ""))
        decision = request.POST.get("decision")
        if decision not in ("accept", "reject"):
            raise ValueError(decision)
    except ValueError:
        return _release_page(
            request, release, status=400, screen_errors=[_("Choose to remove or keep the text.")]
        )
    try:
        services_media.press_release_decide(
            actor=user, press_release=release, index=index, accept=decision == "accept"
        )
    except ValidationError as exc:
        return _release_page(request, release, status=400, screen_errors=list(exc.messages))
    return redirect("publishing:press_release", pk=release.pk)


@login_required
@require_POST
def press_release_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    release = release_for_user(user, pk)
    if not can_manage_media(user):
        raise PermissionDenied
    form = PressReleaseIssueForm(request.POST)
    issued = submit_form(
        form,
        lambda: services_media.press_release_issue(actor=user, press_release=release, **form.values()),
    )
    if issued is None:
        return _release_page(request, release, issue_form=form, status=400)
    messages.success(request, _("The press release was issued."))
    return redirect("publishing:press_release", pk=release.pk)


@login_required
@require_GET
def press_release_text(request: AuthedRequest, pk: int) -> HttpResponse:
    """The release as a plain-text file, to paste into an e-mail or a site."""
    user = _reader(request)
    release = release_for_user(user, pk)
    name = slugify(release.title)[:60] or "press-release"
    return file_response(
        services_media.press_release_text(release), f"{name}-{release.lang}.txt", "text/plain; charset=utf-8"
    )


# --- interactions -----------------------------------------------------------------------------------


def _contact_choices(user: AnyUser) -> QuerySet[MediaContact]:
    return media_contacts_visible_to(user).order_by("outlet", "name")


def _issued_releases(user: AnyUser) -> QuerySet[PressRelease]:
    return (
        press_releases_visible_to(user)
        .filter(status=PressRelease.Status.ISSUED)
        .order_by("-issued_on", "-id")
    )


@login_required
@require_GET
def media_interaction_list(request: AuthedRequest) -> HttpResponse:
    user = _manager(request)
    form = InteractionFilterForm(request.GET, contacts=_contact_choices(user))
    filters = form.values()
    interactions = media_interactions_visible_to(user).select_related(
        "contact", "press_release", "recorded_by"
    )
    if filters["kind"]:
        interactions = interactions.filter(kind=filters["kind"])
    if filters["year"]:
        interactions = interactions.filter(happened_on__year=filters["year"])
    if filters["contact"] is not None:
        interactions = interactions.filter(contact=filters["contact"])
    page = Paginator(interactions.order_by("-happened_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "publishing/media_interactions.html", _context(request, form=form, page=page))


@login_required
@require_http_methods(["GET", "POST"])
def media_interaction_create(request: AuthedRequest) -> HttpResponse:
    """Record an interaction (``?contact=<pk>`` and ``?release=<pk>`` preselect)."""
    user = _manager(request)
    contacts, releases = _contact_choices(user), _issued_releases(user)
    initial: dict[str, Any] = {}
    contact = contacts.filter(pk=_int(request.GET.get("contact")) or 0).first()
    if contact is not None:
        initial["contact"] = contact
    release = releases.filter(pk=_int(request.GET.get("release")) or 0).first()
    if release is not None:
        initial["press_release"] = release
    form = MediaInteractionForm(request.POST or None, contacts=contacts, releases=releases, initial=initial)
    if request.method == "POST":
        recorded = submit_form(
            form, lambda: services_media.media_interaction_record(actor=user, **form.values())
        )
        if recorded is not None:
            messages.success(request, _("The interaction was recorded."))
            if recorded.contact_id is not None:
                return redirect("publishing:media_contact", pk=recorded.contact_id)
            return redirect("publishing:media_interactions")
    return render(
        request,
        "publishing/media_interaction_form.html",
        _context(request, form=form),
        status=400 if form.errors else 200,
    )
