"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that only parses input: fields, labels and widgets come from the model, but the
    form neither copies the values onto an instance nor validates one. Build it with ``initial=``
    (never ``instance=``) and hand its typed data to the service, which validates and saves the
    row it locks, and audits that row against the new data."""

    @classmethod
    def initial_from(cls, instance: models.Model) -> dict[str, Any]:
        """The form's ``initial`` for changing ``instance``: its values of the form's model fields."""
        return model_to_dict(instance, fields=cls._meta.fields)

    def _post_clean(self) -> None:
        pass


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)


T = TypeVar("T")


def submit_form(form: forms.BaseForm, action: Callable[[], T]) -> T | None:
    """Run the service if the form parses; its ValidationError goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
