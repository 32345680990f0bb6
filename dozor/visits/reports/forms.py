"""Forms of the report pages. They only parse; the rules live in ``dozor.visits.reports.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.visits.models import ReportSection


class SectionForm(forms.Form):
    """A section's text and the revision it was written on (for conflict detection)."""

    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,  # the service normalises; the editor's text is kept as typed on a conflict
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    base_revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, section: ReportSection, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"body": section.body, "base_revision": section.revision})
        kwargs.setdefault("auto_id", f"id_{section.key}_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].label = section.get_key_display()

    def values(self) -> dict[str, Any]:
        return {"body": self.cleaned_data["body"], "base_revision": self.cleaned_data["base_revision"]}


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        required=False,  # the service explains what is missing
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, section: ReportSection, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_comment_{section.key}_%s")
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        return {"body": self.cleaned_data["body"]}


class TransitionForm(forms.Form):
    """Which workflow step to take (the buttons of the report page)."""

    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    SEND = "send"

    action = forms.ChoiceField(
        choices=[
            (SUBMIT, _("Submit for group review")),
            (RETURN, _("Return to draft")),
            (APPROVE, _("Approve")),
            (SEND, _("Record as sent")),
        ],
        widget=forms.HiddenInput,
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=250,
        required=False,  # required for an approved report: the service says so
        help_text=_("Required when an approved report goes back to draft."),
    )

    def values(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class SendForm(forms.Form):
    sent_on = forms.DateField(
        label=_("Sent on"),
        required=False,  # the service explains what is missing
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    sent_to = forms.CharField(
        label=_("Sent to"),
        max_length=300,
        required=False,
        help_text=_("For example the committee or ministry and its head."),
    )
    sent_reference = forms.CharField(label=_("Outgoing reference"), max_length=120, required=False)
    lang = forms.ChoiceField(
        label=_("Language of the version sent"),
        choices=[("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")],
        initial="ru",
        required=False,  # Russian unless chosen
        help_text=_(
            "The approved version for the authority in this language is what the authority receives."
        ),
    )

    also = forms.MultipleChoiceField(
        label=_("Also sent in"),
        choices=[("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Other languages sent with it; each needs its own approved version for the authority."),
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "also": [each for each in data.get("also") or [] if each != (data["lang"] or "ru")],
            "sent_on": data["sent_on"],
            "sent_to": data["sent_to"],
            "sent_reference": data["sent_reference"],
            "lang": data["lang"] or "ru",
        }


class VersionForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("What this version is, for example “before the expert's review”."),
    )

    def values(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class DiffForm(forms.Form):
    """Which versions to compare (by number); without ``b`` the current text is compared."""

    a = forms.IntegerField(min_value=1, required=False)
    b = forms.IntegerField(min_value=1, required=False)
