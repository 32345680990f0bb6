"""Forms of the planning budget pages (thin: parsing only; the rules live in dozor.planning.services)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.planning.models import Expense


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Expense.Category.choices)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    spent_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
