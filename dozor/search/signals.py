"""The index follows every save and delete of an indexed record, after the commit
(``services.search_index_later``). A report is indexed with its sections, so a section's change
re-indexes its report."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from dozor.search.services import search_index_later
from dozor.search.sources import SOURCES
from dozor.visits.models import ReportSection


def _changed(sender: type[Any], instance: Any, using: str = "default", **kwargs: Any) -> None:
    for source in SOURCES:
        if source.model is sender:
            search_index_later(kind=source.kind, pk=instance.pk, using=using)


def _section_changed(
    sender: type[Any], instance: ReportSection, using: str = "default", **kwargs: Any
) -> None:
    search_index_later(kind="report", pk=instance.report_id, using=using)


for _source in SOURCES:
    post_save.connect(_changed, sender=_source.model, dispatch_uid=f"search-save-{_source.kind}")
    post_delete.connect(_changed, sender=_source.model, dispatch_uid=f"search-delete-{_source.kind}")
post_save.connect(_section_changed, sender=ReportSection, dispatch_uid="search-save-section")
post_delete.connect(_section_changed, sender=ReportSection, dispatch_uid="search-delete-section")
