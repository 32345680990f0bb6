"""Standards library pages: read-only reference material for every signed-in role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.i18n import LANGUAGE_CODES
from dozor.standards import selectors
from dozor.standards.access import instrument_for_user, provision_for_user
from dozor.standards.forms import ProvisionFilterForm

PAGE_SIZE = 50


@login_required
def instrument_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "standards.view")
    return render(
        request,
        "standards/instrument_list.html",
        {"groups": selectors.instrument_groups(request.user), "section": "standards"},
    )


@login_required
def instrument_detail(request: AuthedRequest, code: str) -> HttpResponse:
    instrument = instrument_for_user(request.user, code)
    return render(
        request,
        "standards/instrument_detail.html",
        {
            "instrument": instrument,
            "provisions": list(selectors.instrument_provisions(instrument)),
            "section": "standards",
        },
    )


@login_required
def provision_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "standards.view")
    form = ProvisionFilterForm(request.GET or None, user=request.user)
    page = Paginator(selectors.provision_search(request.user, form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "section": "standards"}
    template = (
        "standards/_provision_results.html"
        if getattr(request, "htmx", False)
        else "standards/provision_list.html"
    )
    return render(request, template, context)


@login_required
def provision_detail(request: AuthedRequest, code: str) -> HttpResponse:
    provision = provision_for_user(request.user, code)
    current = (translation.get_language() or "ru").split("-")[0]
    # The text in the active language is shown first; the other two follow for comparison.
    others = [
        {
            "code": lang,
            "name": translation.get_language_info(lang)["name_local"],
            "title": getattr(provision, f"title_{lang}"),
            "summary": getattr(provision, f"summary_{lang}"),
        }
        for lang in LANGUAGE_CODES
        if lang != current
    ]
    return render(
        request,
        "standards/provision_detail.html",
        {
            "provision": provision,
            "others": others,
            "see_also": selectors.provision_see_also(provision),
            "citations": selectors.provision_citations(request.user, provision),
            "can_read_checklists": can(request.user, "methodology.view"),
            "section": "standards",
        },
    )
