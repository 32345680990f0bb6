"""Keep the facts stored on a place (its latest visit) true whatever writes a visit: services,
the record pages, imports, the demo, factories in tests. Only stored, derived figures are written
here; the business rules stay in the services. (No code moves a visit to another place.)"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from dozor.visits.models import Visit

# Sent to the apps above visits (dependencies point down: publishing listens) inside the
# transaction that records a consent's withdrawal, with ``consent`` (a ``visits.Consent``) and
# ``actor``. A receiver removes the person's words from every document of its kind not yet sent and
# returns a list of short descriptions (in the reader's language) of the documents that *were*
# already sent with them; a non-empty answer from any receiver opens the consent's follow-up task
# (``Consent.task_open``).
consent_withdrawn = Signal()


def _refresh(sender: type[Visit], instance: Visit, **kwargs: Any) -> None:
    from dozor.visits.services import visit_facts_refresh

    if not kwargs.get("raw"):
        visit_facts_refresh(facility_ids=[instance.facility_id])


def connect() -> None:
    post_save.connect(_refresh, sender=Visit, dispatch_uid="visits.facts.post_save")
    post_delete.connect(_refresh, sender=Visit, dispatch_uid="visits.facts.post_delete")
