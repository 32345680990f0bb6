"""Forms of the media pages. They only parse; the rules live in ``dozor.publishing.media.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.core.models import Language, Region
from dozor.publishing.forms import LANGUAGE_CHOICES
from dozor.publishing.models import MediaContact, MediaInteraction, PressRelease, PublicReport


def _languages() -> QuerySet[Language]:
    return Language.objects.order_by("sort_order", "code")


def _regions() -> QuerySet[Region]:
    return Region.objects.order_by("sort_order", "code")


class MediaContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    outlet = forms.CharField(
        label=_("Outlet"),
        max_length=200,
        required=False,
        help_text=_("Newspaper, channel, agency or site."),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"),
        queryset=Language.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    topics = forms.CharField(
        label=_("Topics"),
        max_length=300,
        required=False,
        help_text=_("What the journalist covers, e.g. prisons, health, children's rights."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].queryset = _languages()  # type: ignore[attr-defined]
        self.fields["region"].queryset = _regions()  # type: ignore[attr-defined]

    @classmethod
    def for_contact(cls, contact: MediaContact) -> MediaContactForm:
        return cls(
            initial={
                "name": contact.name,
                "outlet": contact.outlet,
                "email": contact.email,
                "phone": contact.phone,
                "languages": list(contact.languages.all()),
                "region": contact.region,
                "topics": contact.topics,
                "active": contact.active,
            }
        )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "outlet": data["outlet"],
            "email": data["email"],
            "phone": data["phone"],
            "languages": list(data["languages"]),
            "region": data["region"],
            "topics": data["topics"],
            "active": data["active"],
        }


class ContactFilterForm(forms.Form):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"

    q = forms.CharField(label=_("Topic or name"), max_length=100, required=False)
    outlet = forms.CharField(label=_("Outlet"), max_length=100, required=False)
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.none(), required=False, to_field_name="code"
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, to_field_name="code"
    )
    active = forms.ChoiceField(
        label=_("State"),
        choices=[(ACTIVE, _("Active")), (INACTIVE, _("Inactive")), (ALL, _("All"))],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].queryset = _languages()  # type: ignore[attr-defined]
        self.fields["region"].queryset = _regions()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The filters to apply; an invalid form filters on nothing but the default state."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": (data.get("q") or "").strip(),
            "outlet": (data.get("outlet") or "").strip(),
            "language": data.get("language"),
            "region": data.get("region"),
            "active": data.get("active") or self.ACTIVE,
        }


class PublishedVersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        visit = obj.report.visit
        return f"{visit.facility.name} · {visit.started_on:%Y-%m-%d} · {obj.lang}"


class PressReleaseStartForm(forms.Form):
    public_report = PublishedVersionField(
        label=_("Published report"),
        queryset=PublicReport.objects.none(),
        help_text=_("Only published reports can be announced."),
    )
    lang = forms.ChoiceField(label=_("Language of the press release"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, versions: QuerySet[PublicReport], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["public_report"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = versions

    def values(self) -> dict[str, Any]:
        return {"public_report": self.cleaned_data["public_report"], "lang": self.cleaned_data["lang"]}


class PressReleaseEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 18, "class": "mono"})
    )

    def values(self) -> dict[str, Any]:
        return {"title": self.cleaned_data["title"], "body": self.cleaned_data["body"]}


class PressReleaseIssueForm(forms.Form):
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty."),
    )

    def values(self) -> dict[str, Any]:
        return {"issued_on": self.cleaned_data["issued_on"]}


class MediaInteractionForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=MediaContact.objects.none(), required=False)
    press_release = forms.ModelChoiceField(
        label=_("Press release"), queryset=PressRelease.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=MediaInteraction.Kind.choices)
    happened_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    link = forms.CharField(
        label=_("Link"),
        max_length=200,
        required=False,
        help_text=_("The article, broadcast or post, if any."),
    )

    def __init__(
        self,
        *args: Any,
        contacts: QuerySet[MediaContact],
        releases: QuerySet[PressRelease],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["press_release"].queryset = releases  # type: ignore[attr-defined]
        if not self.is_bound and "happened_on" not in self.initial:
            self.initial["happened_on"] = timezone.localdate()

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "contact": data["contact"],
            "press_release": data["press_release"],
            "kind": data["kind"],
            "happened_on": data["happened_on"],
            "summary": data["summary"],
            "link": data["link"],
        }


class InteractionFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *MediaInteraction.Kind.choices], required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=MediaContact.objects.none(), required=False)

    def __init__(self, *args: Any, contacts: QuerySet[MediaContact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        year: int | None = data.get("year")
        return {"kind": data.get("kind") or "", "year": year, "contact": data.get("contact")}
