"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError


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
