"""Forms of the redaction pages. They only parse; the rules live in ``dozor.publishing.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.publishing.models import PublicReport, Redaction
from dozor.publishing.services import DEFAULT_REPLACEMENT, MAX_REPLACEMENT

LANGUAGE_CHOICES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]


class StartForm(forms.Form):
    lang = forms.ChoiceField(label=_("Language of the public version"), choices=LANGUAGE_CHOICES)
    audience = forms.ChoiceField(
        label=_("Version for"),
        choices=PublicReport.Audience.choices,
        initial=PublicReport.Audience.PUBLIC,
        required=False,  # public unless chosen
        help_text=_(
            "The public, or the authority the report is sent to: each gets its own screened version."
        ),
    )

    def values(self) -> dict[str, Any]:
        return {
            "lang": self.cleaned_data["lang"],
            "audience": self.cleaned_data["audience"] or PublicReport.Audience.PUBLIC,
        }


class DecideForm(forms.Form):
    """Which button was pressed on a redaction: accept (remove the text) or reject (keep it)."""

    ACCEPT = "accept"
    REJECT = "reject"

    decision = forms.ChoiceField(choices=[(ACCEPT, _("Remove")), (REJECT, _("Keep"))])

    def values(self) -> dict[str, Any]:
        return {"accept": self.cleaned_data["decision"] == self.ACCEPT}


class AddRedactionForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    text = forms.CharField(
        label=_("Exact text to remove"),
        max_length=2000,
        required=False,  # the service says what is missing
        help_text=_("Copy the words exactly as they appear in the section."),
    )
    occurrence = forms.IntegerField(
        label=_("Occurrence"),
        min_value=1,
        initial=1,
        help_text=_("1 for the first place the text appears in the section, 2 for the second, …"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Redaction.Kind.choices, initial=Redaction.Kind.MANUAL)
    replacement = forms.CharField(
        label=_("Marker"),
        max_length=MAX_REPLACEMENT,
        required=False,
        initial=DEFAULT_REPLACEMENT,
        help_text=_("What the public text shows in place of the removed words."),
    )

    def __init__(self, *args: Any, sections: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = sections  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "section": data["section"],
            "text": data["text"],
            "occurrence": data["occurrence"],
            "kind": data["kind"],
            "replacement": data["replacement"] or DEFAULT_REPLACEMENT,
        }


class WorkflowForm(forms.Form):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    RESTART = "restart"

    action = forms.ChoiceField(
        choices=[
            (SUBMIT, _("Submit for approval")),
            (APPROVE, _("Approve")),
            (RETURN, _("Send back to redaction")),
            (PUBLISH, _("Publish")),
            (WITHDRAW, _("Withdraw")),
            (RESTART, _("Discard and start again")),
        ],
        widget=forms.HiddenInput,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,  # the service says when it is required
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def values(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}
