"""Forms of the authority portal: a liaison's response, and the coordinator's assessment of it.
They only parse; the rules live in ``dozor.recommendations.portal.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.recommendations.models import Recommendation, Status, StatusChange
from dozor.recommendations.portal.services import MAX_ATTACHMENTS
from dozor.visits.models import Visit

ACCEPT = ",".join(
    [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".pdf,.jpg,.jpeg,.png,.docx,.xlsx",
    ]
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); each is judged by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachments_help_text() -> str:
    return gettext("Up to %(max)d files: PDF, JPEG, PNG, Word (DOCX) or Excel (XLSX).") % {
        "max": MAX_ATTACHMENTS
    }


# Formatted when shown, not at import: a ``%`` on a lazy string would freeze the import-time language.
_attachments_help = lazy(_attachments_help_text, str)


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("Measures taken"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,  # the service explains what is missing
        help_text=_("What your authority has done to implement the recommendation."),
    )
    action_plan = forms.CharField(
        label=_("Action plan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What remains to be done, by whom and when."),
    )
    planned_by = forms.DateField(
        label=_("To be completed by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Not "files": that name is the form's own dict of uploads. The service's "files" errors are
    # shown here (views_portal).
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_attachments_help(),
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "action_plan": data["action_plan"],
            "planned_by": data["planned_by"],
            "files": list(data["attachments"] or []),
        }


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.facility.name} · {obj.started_on:%Y-%m-%d}"


def follow_up_visits(recommendation: Recommendation) -> QuerySet[Visit]:
    """Visits that can verify the recommendation on site: to its place, or for a recommendation to
    a ministry without a place, to the places that ministry (or a body under it) operates."""
    visits = Visit.objects.select_related("facility").order_by("-started_on", "-id")
    if recommendation.facility_id is not None:
        return visits.filter(facility_id=recommendation.facility_id)
    if recommendation.authority is not None:
        return visits.filter(facility__authority__path__startswith=recommendation.authority.path)
    return visits


class AssessmentForm(forms.Form):
    status = forms.ModelChoiceField(label=_("New status"), queryset=Status.objects.none())
    verification = forms.ChoiceField(
        label=_("How it was verified"),
        choices=[("", "---------"), *StatusChange.Verification.choices],
        required=False,  # the service says why it is needed
    )
    visit = VisitChoiceField(
        label=_("Follow-up visit"),
        queryset=Visit.objects.none(),
        required=False,
        help_text=_("Required when the status was verified on site."),
    )
    changed_on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What the assessment rests on (internal: not shown to the authority)."),
    )

    def __init__(self, *args: Any, recommendation: Recommendation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ModelChoiceField)
        status.queryset = Status.objects.order_by("sort_order", "code")
        visit = self.fields["visit"]
        assert isinstance(visit, forms.ModelChoiceField)
        visit.queryset = follow_up_visits(recommendation)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "verification": data["verification"],
            "visit": data["visit"],
            "changed_on": data["changed_on"],
            "evidence": data["evidence"],
        }
