"""Form helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.utils.datastructures import MultiValueDict

from dozor.core.revisions import StaleRevision, edit_conflict


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


def submit_edit(
    form: forms.BaseForm, action: Callable[[], T], *, current_initial: Callable[[Any], Mapping[str, Any]]
) -> T | None:
    """``submit_form`` for an edit form carrying a revision (``core.revisions.revision_field_add``).

    A stale save sets ``form.conflict`` (an ``EditConflict``: the view answers 409) and moves the
    form's hidden revision to the current one, keeping everything the editor typed: saving again
    then replaces the current values knowingly. ``current_initial`` gives a form's initial values
    for the row as it is now."""
    if not form.is_valid():
        return None
    try:
        return action()
    except StaleRevision as stale:
        data = form.data.copy() if isinstance(form.data, MultiValueDict) else dict(form.data)
        data[form.add_prefix("revision")] = str(stale.current_revision)
        form.data = data
        form.conflict = edit_conflict(form, stale, current_initial(stale.current))  # type: ignore[attr-defined]
        return None
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def form_status(form: forms.BaseForm, *, invalid: int = 400) -> int:
    """The status of a form page: 409 after a stale save, ``invalid`` with errors, else 200."""
    if getattr(form, "conflict", None) is not None:
        return 409
    return invalid if form.is_bound and form.errors else 200
