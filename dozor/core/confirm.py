"""Deletes ask for a confirmation that works without JavaScript: the delete form carries a
required "confirm" checkbox (``core/_confirm_delete.html``) and the view deletes only when it
was ticked; otherwise it deletes nothing and says why."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def delete_confirmed(request: HttpRequest) -> bool:
    """True when the delete form's confirmation box was ticked; else a message, and False."""
    if request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE:
        return True
    messages.error(request, _("Nothing was deleted: tick “I confirm the deletion” first."))
    return False
