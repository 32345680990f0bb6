"""Forms of the recommendation pages. They only parse input and offer choices the user may see;
the rules live in ``dozor.recommendations.services``."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.core.data import data_from
from dozor.core.models import Authority, Region
from dozor.facilities.models import Facility, FacilityType
from dozor.recommendations.models import Recommendation, Response, Status, StatusChange
from dozor.recommendations.selectors import CLOSED, OPEN, RecommendationFilters
from dozor.recommendations.services import RecommendationData
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.forms import provision_choices
from dozor.visits.models import Report, Visit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _set_choices(form: forms.BaseForm, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class RecommendationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Text or place contains"),
        required=False,
        max_length=200,
        help_text=_("Words of the recommendation or of the place's name (Kazakh, Russian or English)."),
    )
    facility = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    status_group = forms.ChoiceField(
        label=_("Follow-up"),
        required=False,
        choices=[("", _("Open and closed")), (OPEN, _("All open")), (CLOSED, _("Closed"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    facility_type = forms.ChoiceField(label=_("Type of place"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    year = forms.IntegerField(label=_("Year issued"), required=False, min_value=1990, max_value=2100)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *Recommendation.Source.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeated = forms.BooleanField(label=_("Repeated only"), required=False)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self, "status", [("", _("Any status")), *((s.code, s.name) for s in Status.objects.all())]
        )
        _set_choices(
            self,
            "authority",
            [
                ("", _("All authorities")),
                *((a.code, ("— " * (a.path.count("/") - 2)) + a.name) for a in authorities.order_by("path")),
            ],
        )
        _set_choices(
            self, "region", [("", _("All regions")), *((r.code, r.name) for r in Region.objects.all())]
        )
        _set_choices(
            self,
            "facility_type",
            [("", _("All types")), *((t.code, t.name) for t in FacilityType.objects.all())],
        )
        _set_choices(self, "theme", [("", _("All themes")), *((t.code, t.name) for t in Theme.objects.all())])

    def filters(self) -> RecommendationFilters:
        if not self.is_bound or not self.is_valid():
            return RecommendationFilters()
        data = self.cleaned_data
        return RecommendationFilters(
            q=(data["q"] or "").strip(),
            status=data["status"] or "",
            authority=data["authority"] or "",
            region=data["region"] or "",
            facility_type=data["facility_type"] or "",
            theme=data["theme"] or "",
            year=data["year"],
            source=data["source"] or "",
            overdue=bool(data["overdue"]),
            repeated=bool(data["repeated"]),
            facility=data["facility"],
            status_group=data["status_group"] or "",
        )


class ReportChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.visit.facility.name} · {obj.visit.started_on:%Y-%m-%d} ({obj.get_status_display()})"


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return ("— " * (obj.path.count("/") - 2)) + obj.name


class RecommendationForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=Recommendation.Source.choices)
    report = ReportChoiceField(
        label=_("Visit report"),
        queryset=Report.objects.none(),
        required=False,
        help_text=_("Required when the source is a visit report; the place is taken from it."),
    )
    source_reference = forms.CharField(
        label=_("Source document"),
        max_length=300,
        required=False,
        help_text=_("For a thematic or annual report or the SPT: its title, number or paragraph."),
    )
    addressee = forms.ChoiceField(label=_("Addressee"), choices=Recommendation.Addressee.choices)
    authority = AuthorityChoiceField(
        label=_("Ministry or committee"),
        queryset=Authority.objects.none(),
        required=False,
        help_text=_("For a recommendation to a place, leave empty to use its operating authority."),
    )
    facility = FacilityChoiceField(label=_("Place"), queryset=Facility.objects.none(), required=False)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none())
    provisions = forms.TypedMultipleChoiceField(
        label=_("Provisions"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    text_kk = forms.CharField(
        label=_("Text (Kazakh)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_ru = forms.CharField(
        label=_("Text (Russian)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Recommendation.Priority.choices, initial=Recommendation.Priority.MEDIUM
    )
    term = forms.ChoiceField(
        label=_("Term"), choices=Recommendation.Term.choices, initial=Recommendation.Term.SHORT
    )
    systemic = forms.BooleanField(label=_("Systemic"), required=False)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        reports: QuerySet[Report],
        facilities: QuerySet[Facility],
        authorities: QuerySet[Authority],
        recommendation: Recommendation | None = None,
        **kwargs: Any,
    ) -> None:
        if recommendation is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(recommendation, name)
                    for name in (
                        "source",
                        "source_reference",
                        "addressee",
                        "text_kk",
                        "text_ru",
                        "text_en",
                        "priority",
                        "term",
                        "systemic",
                        "issued_on",
                        "deadline",
                    )
                },
                "report": recommendation.report_id,
                "authority": recommendation.authority_id,
                "facility": recommendation.facility_id,
                "theme": recommendation.theme_id,
                "provisions": [p.pk for p in recommendation.provisions.all()],
            }
        kwargs.setdefault("initial", {}).setdefault("issued_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _set_queryset(
            self,
            "report",
            reports.select_related("visit__facility").order_by("-visit__started_on", "-id"),
        )
        _set_queryset(self, "facility", facilities.order_by("name_ru", "code"))
        _set_queryset(self, "authority", authorities.order_by("path"))
        _set_queryset(self, "theme", Theme.objects.order_by("sort_order", "code"))
        _set_choices(self, "provisions", provision_choices())

    def to_data(self) -> RecommendationData:
        return data_from(
            RecommendationData,
            {**self.cleaned_data, "source_reference": self.cleaned_data["source_reference"] or ""},
        )

    def chosen_provisions(self) -> list[Provision]:
        return list(Provision.objects.filter(pk__in=self.cleaned_data["provisions"]))

    def search_text(self) -> str:
        """The texts as the similarity check reads them (like ``Recommendation.search_text``)."""
        data = self.cleaned_data
        return " | ".join(t.strip() for t in (data["text_kk"], data["text_ru"], data["text_en"]) if t.strip())

    def place(self) -> tuple[Facility | None, Authority | None]:
        """The place and authority the similarity check compares within (as the service derives them)."""
        data = self.cleaned_data
        facility = data.get("facility")
        report = data.get("report")
        if facility is None and report is not None:
            facility = report.visit.facility
        authority = data.get("authority") or (facility.authority if facility is not None else None)
        return facility, authority

    def digest(self) -> str:
        """A fingerprint of text and place: the user's repeat choice holds only for what they saw."""
        facility, authority = self.place()
        raw = f"{self.search_text().casefold()}|{getattr(facility, 'pk', '')}|{getattr(authority, 'pk', '')}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class RepeatChoiceForm(forms.Form):
    """The second step of issuing: the user links the new recommendation as a repeat of one of the
    similar ones shown, or confirms it is new. Values: "" (not chosen yet), "new" or an id."""

    repeat_choice = forms.CharField(required=False, widget=forms.HiddenInput)
    checked = forms.CharField(required=False, widget=forms.HiddenInput)


class RepeatLinkForm(forms.Form):
    repeat_of = forms.IntegerField(label=_("Repeats recommendation no."), required=False, min_value=1)


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.facility.name} · {obj.started_on:%Y-%m-%d}"


class ResponseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.authority.short} · {obj.submitted_at:%Y-%m-%d}"


class StatusChangeForm(forms.Form):
    status = forms.ModelChoiceField(label=_("Status"), queryset=Status.objects.none())
    changed_on = forms.DateField(label=_("Date"), widget=DATE)
    verification = forms.ChoiceField(
        label=_("How it was verified"),
        # required at the service (its message is the one users see); the empty choice forces a decision
        required=False,
        choices=[("", "---------"), *StatusChange.Verification.choices],
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    visit = VisitChoiceField(
        label=_("Follow-up visit"),
        queryset=Visit.objects.none(),
        required=False,
        help_text=_("Required when the status was verified on site."),
    )
    response = ResponseChoiceField(
        label=_("Response assessed"), queryset=Response.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        visits: QuerySet[Visit],
        responses: QuerySet[Response],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("changed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _set_queryset(self, "status", Status.objects.order_by("sort_order", "code"))
        _set_queryset(self, "visit", visits)
        _set_queryset(self, "response", responses)
