"""The annual report page (``/publishing/annual/``): choose a year and a language, download the
report as PDF (for publication) or DOCX (for editing).

Coordinators and council members only, like the rest of the publishing work: everyone else gets
404 (anonymous visitors are sent to sign in). The figures are aggregates over the whole NPM, so
no per-user scoping applies. Thin adapter: the form parses, ``annual_documents.annual_render``
renders, the view streams the file.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dozor.accounts.http import AuthedRequest
from dozor.core.files import file_response
from dozor.publishing.access import can_read_annual_report
from dozor.publishing.annual.documents import CONTENT_TYPES, FORMATS, annual_render, filename
from dozor.publishing.annual.figures import valid_year, years_with_data
from dozor.publishing.forms import LANGUAGE_CHOICES

SECTION = "publishing"


class AnnualForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="ru")
    format = forms.ChoiceField(
        label=_("Format"), choices=[("pdf", _("PDF (for publication)")), ("docx", _("DOCX (for editing)"))]
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]

    def clean_year(self) -> int:
        try:
            return valid_year(self.cleaned_data["year"])
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Choose a year from the list.")) from exc


def _staff(request: HttpRequest) -> None:
    if not can_read_annual_report(request.user):
        raise Http404


@login_required
@require_GET
def annual_report(request: AuthedRequest) -> HttpResponse:
    _staff(request)
    years = years_with_data()
    form = AnnualForm(request.GET or None, years=years, initial={"year": years[0], "format": "pdf"})
    if request.GET and form.is_valid():
        year, lang, fmt = (form.cleaned_data[k] for k in ("year", "lang", "format"))
        assert fmt in FORMATS
        data = annual_render(year=year, fmt=fmt, lang=lang)
        return file_response(data, filename(year, fmt, lang), CONTENT_TYPES[fmt])
    return render(
        request,
        "publishing/annual/page.html",
        {"form": form, "section": SECTION},
        status=400 if form.errors else 200,
    )
