"""The public portal (no login): published reports in kk/ru/en, their PDF and DOCX, a page per
place, statistics, search, an Atom feed and open data.

Thin views over ``dozor.publishing.portal.selectors`` (reads, all through ``published_reports()``),
``dozor.publishing.documents`` and ``dozor.publishing.portal.opendata``. The interface language is in the path
(``/public/kk/...``), so every page has one URL per language and caches well: pages are rendered
without the request's context processors, never touch the session (no ``Vary: Cookie``), and are
sent with ``Cache-Control: public, max-age=PORTAL_MAX_AGE`` and an ETag (``304 Not Modified``).
A withdrawn version is gone from the server at once; a shared cache may keep a page for at most
``PORTAL_MAX_AGE`` seconds. A missing or unpublished thing is a 404 on the portal's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.http import ConditionalGetMiddleware
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.decorators import decorator_from_middleware
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dozor.core.files import file_response
from dozor.core.i18n import pick
from dozor.core.models import CountryPack
from dozor.publishing import documents
from dozor.publishing.models import PublicReport
from dozor.publishing.portal import opendata
from dozor.publishing.portal import selectors as portal
from dozor.visits.models import ReportSection

PORTAL_MAX_AGE = 300  # seconds a browser or proxy may keep a portal page
PAGE_SIZE = 20
MAX_QUERY = 200  # characters of a search

View = Callable[..., HttpResponse]
_conditional = decorator_from_middleware(ConditionalGetMiddleware)


def public_page(view: View) -> View:
    """GET/HEAD only; cacheable by anyone; ETag and 304 for a page that has not changed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 404):
            patch_cache_control(response, public=True, max_age=PORTAL_MAX_AGE)
        return response

    return cast(View, require_safe(_conditional(wrapped)))


def _request_language(request: HttpRequest) -> str:
    code = (getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or "ru").split("-")[0]
    return code if code in portal.LANGUAGES else "ru"


def _npm_name(lang: str) -> str:
    pack = CountryPack.objects.order_by("-loaded_at").first()
    return pick(pack, "npm_name", lang) if pack is not None else ""


def _languages(request: HttpRequest, lang: str, available: set[str] | None = None) -> list[dict[str, Any]]:
    """The language switch: this page in each language (``available`` limits which exist)."""
    match = request.resolver_match
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code in portal.LANGUAGES:
        url = ""
        if match is not None and "lang" in match.kwargs:
            url = reverse(f"public:{match.url_name}", kwargs={**match.kwargs, "lang": code})
            url += f"?{query}" if query else ""
        links.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": url,
                "current": code == lang,
                "available": (available is None or code in available) and bool(url),
            }
        )
    return links


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    lang: str,
    status: int = 200,
    available: set[str] | None = None,
) -> HttpResponse:
    with translation.override(lang):
        html = render_to_string(
            template,
            {
                **context,
                "lang": lang,
                "npm_name": _npm_name(lang),
                "languages": _languages(request, lang, available),
            },
        )
    response = HttpResponse(html, status=status)
    response["Content-Language"] = lang
    return response


def _not_found(request: HttpRequest, lang: str | None = None, **context: Any) -> HttpResponse:
    return _render(request, "public/404.html", context, lang=lang or _request_language(request), status=404)


# --- pages ----------------------------------------------------------------------------------------


@require_safe
def root(request: HttpRequest) -> HttpResponse:
    """/public/ -> the home page in the visitor's language."""
    return HttpResponseRedirect(reverse("public:home", kwargs={"lang": _request_language(request)}))


@public_page
def home(request: HttpRequest, lang: str) -> HttpResponse:
    return _render(
        request, "public/home.html", {"section": "home", "entries": portal.latest(lang=lang)}, lang=lang
    )


def _filters(request: HttpRequest) -> portal.Filters:
    year = request.GET.get("year", "").strip()
    return portal.Filters(
        region=request.GET.get("region", "").strip()[:40],
        place_type=request.GET.get("type", "").strip()[:40],
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        q=" ".join(request.GET.get("q", "").split())[:MAX_QUERY],
    )


@public_page
def report_list(request: HttpRequest, lang: str) -> HttpResponse:
    filters = _filters(request)
    found = portal.search(filters, lang=lang)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return _render(
        request,
        "public/report_list.html",
        {
            "section": "reports",
            "filters": filters,
            "choices": portal.filter_choices(),
            "page": page,
            "count": len(found),
            "query_string": params.urlencode(),
        },
        lang=lang,
    )


@require_safe
def report_any(request: HttpRequest, report_id: int) -> HttpResponse:
    """/public/reports/<id>/ -> the report in the visitor's language if published in it."""
    versions = portal.report_versions(report_id)
    if not versions:
        return _not_found(request)
    wanted = _request_language(request)
    lang = wanted if wanted in versions else next(code for code in portal.LANGUAGES if code in versions)
    return HttpResponseRedirect(reverse("public:report", kwargs={"lang": lang, "report_id": report_id}))


@public_page
def report(request: HttpRequest, lang: str, report_id: int) -> HttpResponse:
    versions = portal.report_versions(report_id)
    if not versions:
        return _not_found(request, lang)
    if lang not in versions:
        # Say which languages it exists in; never show another language's text under this URL.
        return _render(
            request,
            "public/report_missing.html",
            {"versions": versions, "report_id": report_id},
            lang=lang,
            status=404,
            available=set(versions),
        )
    version = versions[lang]
    texts = portal.public_text(version)
    labels = dict(ReportSection.Key.choices)
    with translation.override(lang):
        ordered = portal.ordered_sections(texts)
        section_blocks = [documents.blocks(text) for _key, text in ordered]
        sections = [
            {"key": key, "number": n, "title": str(labels.get(key, key)), "blocks": found}
            for n, ((key, _text), found) in enumerate(zip(ordered, section_blocks, strict=True), 1)
        ]
    return _render(
        request,
        "public/report.html",
        {
            "section": "reports",
            "version": version,
            "visit": version.report.visit,
            "facility": version.report.visit.facility,
            "sections": sections,
            "notes": documents.note_numbers(section_blocks),
            "versions": [versions[code] for code in portal.LANGUAGES if code in versions],
            "recommendations": portal.public_recommendations(report_id=report_id),
            "notice": documents.notice,
        },
        lang=lang,
        available=set(versions),
    )


@public_page
def document(request: HttpRequest, lang: str, report_id: int, fmt: str) -> HttpResponse:
    if fmt not in documents.FORMATS:
        return _not_found(request, lang)
    version = portal.report_versions(report_id).get(lang)
    if version is None:
        return _not_found(request, lang)
    data = documents.render(document=documents.public_document(version, portal.public_text(version)), fmt=fmt)
    # public: the portal's own caching rules apply (``public_page``)
    response = file_response(
        data, documents.filename(version, fmt), documents.CONTENT_TYPES[fmt], private=False
    )
    response["Content-Language"] = lang
    return response


@public_page
def place(request: HttpRequest, lang: str, facility_id: int) -> HttpResponse:
    facility = portal.place(facility_id)
    if facility is None:
        return _not_found(request, lang)
    return _render(
        request,
        "public/place.html",
        {
            "section": "reports",
            "facility": facility,
            "entries": portal.place_entries(facility, lang=lang),
            "recommendations": portal.public_recommendations(facility=facility),
        },
        lang=lang,
    )


@public_page
def statistics(request: HttpRequest, lang: str) -> HttpResponse:
    return _render(
        request, "public/statistics.html", {"section": "statistics", "stats": portal.statistics()}, lang=lang
    )


@public_page
def open_data(request: HttpRequest, lang: str) -> HttpResponse:
    return _render(
        request,
        "public/open_data.html",
        {
            "section": "data",
            "report_fields": opendata.REPORT_FIELDS + opendata.REPORT_JSON_FIELDS,
            "recommendation_fields": opendata.RECOMMENDATION_FIELDS,
            "schema_version": opendata.SCHEMA_VERSION,
        },
        lang=lang,
    )


@public_page
def data(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    if dataset not in opendata.DATASETS or fmt not in opendata.FORMATS:
        return _not_found(request)
    body = opendata.export(dataset=dataset, fmt=fmt, absolute=request.build_absolute_uri)
    if fmt == "csv":
        response = file_response(body, f"{dataset}.csv", opendata.CONTENT_TYPES[fmt], private=False)
    else:
        response = HttpResponse(body, content_type=opendata.CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


# --- the Atom feed --------------------------------------------------------------------------------


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose entry summaries are plain text and say so (RFC 4287 3.1: ``type="text"``).

    Django labels every summary ``type="html"``, which tells a reader to run the text as markup: a
    report quoting ``<script>`` would then be markup in the reader. Titles carry no type, which
    means plain text in Atom; the XML writer escapes both."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item.get("description") is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class PublishedReportsFeed(Feed):
    """The latest published versions; ``/public/feed.atom`` has every language, ``/public/<lang>/
    feed.atom`` one. Entries are titled and summarised in their own language, from public text."""

    feed_type = PlainTextAtomFeed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(kwargs.get("lang") or _request_language(request)):
            return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return str(kwargs.get("lang") or "")

    def title(self, obj: str) -> str:
        name = _npm_name(obj or translation.get_language() or "ru")
        return _("Published reports") + (f" — {name}" if name else "")

    def subtitle(self, obj: str) -> str:
        return _("Public versions of the reports on visits to places of deprivation of liberty.")

    def link(self, obj: str) -> str:
        return reverse("public:reports", kwargs={"lang": obj or translation.get_language() or "ru"})

    def feed_url(self, obj: str) -> str:
        return reverse("public:feed_lang", kwargs={"lang": obj}) if obj else reverse("public:feed")

    def items(self, obj: str) -> list[PublicReport]:
        qs = portal.published_versions(with_text=True)
        if obj:
            qs = qs.filter(lang=obj)
        return list(qs[: portal.FEED_ITEMS])

    def item_title(self, item: PublicReport) -> str:
        facility = item.report.visit.facility
        with translation.override(item.lang):
            title = _("Report on the visit to %(place)s") % {"place": pick(facility, "name", item.lang)}
        return f"{title} ({item.report.visit.started_on:%d.%m.%Y}, {item.lang})"

    def item_description(self, item: PublicReport) -> str:
        sections = portal.ordered_sections(portal.public_text(item))
        text = " ".join(sections[0][1].split()) if sections else ""
        return text[:500] + ("…" if len(text) > 500 else "")

    def item_link(self, item: PublicReport) -> str:
        return reverse("public:report", kwargs={"lang": item.lang, "report_id": item.report_id})

    def item_guid(self, item: PublicReport) -> str:
        return f"urn:dozor:public-report:{item.pk}"

    def item_guid_is_permalink(self, item: PublicReport) -> bool:
        return False

    def item_pubdate(self, item: PublicReport) -> Any:
        return item.published_at

    def item_updateddate(self, item: PublicReport) -> Any:
        return item.published_at

    def item_categories(self, item: PublicReport) -> list[str]:
        return [item.lang]


feed = public_page(PublishedReportsFeed())
