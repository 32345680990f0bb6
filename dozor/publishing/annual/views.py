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
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from dozor.accounts.http import AuthedRequest
from dozor.core.files import file_response
from dozor.core.jobs.models import Job
from dozor.publishing.access import annual_job_for_user, can_read_annual_report
from dozor.publishing.annual.documents import CONTENT_TYPES, FORMATS, annual_render, filename
from dozor.publishing.annual.figures import valid_cutoff, valid_year, years_with_data
from dozor.publishing.annual.jobs import annual_job_queue
from dozor.publishing.forms import LANGUAGE_CHOICES

SECTION = "publishing"


class AnnualForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="ru")
    format = forms.ChoiceField(
        label=_("Format"), choices=[("pdf", _("PDF (for publication)")), ("docx", _("DOCX (for editing)"))]
    )
    cutoff = forms.DateField(
        label=_("Cut-off date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The figures are what was recorded by the end of this day (today if empty): the report of "
            "a year can be produced again with the same figures later."
        ),
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]

    def clean_year(self) -> int:
        try:
            return valid_year(self.cleaned_data["year"])
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Choose a year from the list.")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, cutoff = data.get("year"), data.get("cutoff")
        if year is not None and cutoff is not None:
            try:
                valid_cutoff(year, cutoff)
            except ValueError:
                self.add_error("cutoff", _("Choose a day from the start of the year to today."))
        return data


def _staff(request: HttpRequest) -> None:
    if not can_read_annual_report(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def annual_report(request: AuthedRequest) -> HttpResponse:
    """DOCX is streamed at once; a PDF takes WeasyPrint from seconds to minutes for a busy year,
    so a posted PDF request becomes a background job (``annual_job``) and the page follows it."""
    _staff(request)
    years = years_with_data()
    data = request.POST if request.method == "POST" else request.GET
    form = AnnualForm(data or None, years=years, initial={"year": years[0], "format": "pdf"})
    if data and form.is_valid():
        year, lang, fmt = (form.cleaned_data[k] for k in ("year", "lang", "format"))
        cutoff = form.cleaned_data.get("cutoff")
        assert fmt in FORMATS
        if fmt == "docx":
            rendered = annual_render(year=year, fmt=fmt, lang=lang, cutoff=cutoff)
            return file_response(rendered, filename(year, fmt, lang), CONTENT_TYPES[fmt])
        if request.method == "POST":
            job = annual_job_queue(actor=request.user, year=year, lang=lang, cutoff=cutoff)
            return redirect("publishing:annual_job", pk=job.pk)
    return render(
        request,
        "publishing/annual/page.html",
        {"form": form, "section": SECTION},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def annual_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """The PDF being prepared: refreshes itself until it is ready, then offers the download."""
    job = annual_job_for_user(request.user, pk)
    context = {"job": job, "section": SECTION, "refresh": not job.finished}
    template = (
        "publishing/annual/job_status.html"
        if getattr(request, "htmx", False)
        else "publishing/annual/job.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def annual_job_file(request: AuthedRequest, pk: int) -> HttpResponse:
    job = annual_job_for_user(request.user, pk)
    if job.status != Job.Status.DONE or not job.output:
        raise Http404
    with job.output.open("rb") as handle:
        content = handle.read()
    year, lang = job.params["year"], job.params["lang"]
    return file_response(content, filename(year, "pdf", lang), CONTENT_TYPES["pdf"])
