"""Keep the facts stored on a place (its latest visit) true whatever writes a visit: services,
the record pages, imports, the demo, factories in tests. Only stored, derived figures are written
here; the business rules stay in the services. (No code moves a visit to another place.)"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from dozor.visits.models import Visit


def _refresh(sender: type[Visit], instance: Visit, **kwargs: Any) -> None:
    from dozor.visits.services import visit_facts_refresh

    if not kwargs.get("raw"):
        visit_facts_refresh(facility_ids=[instance.facility_id])


def connect() -> None:
    post_save.connect(_refresh, sender=Visit, dispatch_uid="visits.facts.post_save")
    post_delete.connect(_refresh, sender=Visit, dispatch_uid="visits.facts.post_delete")
