from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser
from dozor.standards.access import instruments_visible_to, themes_visible_to
from dozor.standards.selectors import ProvisionFilters


class ProvisionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search in any language"), required=False, max_length=200)
    instrument = forms.ChoiceField(label=_("Instrument"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument = self.fields["instrument"]
        assert isinstance(instrument, forms.ChoiceField)
        instrument.choices = [("", _("All instruments"))] + [
            (i.code, i.short) for i in instruments_visible_to(user)
        ]
        theme = self.fields["theme"]
        assert isinstance(theme, forms.ChoiceField)
        theme.choices = [("", _("All themes"))] + [(t.code, t.name) for t in themes_visible_to(user)]

    def filters(self) -> ProvisionFilters:
        if not self.is_bound or not self.is_valid():
            return ProvisionFilters()
        data = self.cleaned_data
        return ProvisionFilters(
            q=data["q"] or "", instrument=data["instrument"] or "", theme=data["theme"] or ""
        )
