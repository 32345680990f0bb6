"""Keeping the index true: a full rebuild, and refreshes of single records after each commit.

Writes of indexed records reach the index through ``signals.py``: each saved or deleted record is
queued (``search_index_later``) and the queue is indexed once, after the transaction commits, in
a fixed number of queries per kind, so a bulk import costs one refresh, not one per row, and a
rolled-back write never reaches the index. Writers that bypass signals (``bulk_create``,
``QuerySet.update``: the country pack and the demo generators) are followed by
``search_rebuild()`` (``dozor pack load``, ``dozor demo``, ``dozor search rebuild``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from dozor.core.search import Gazetteer, gazetteer_read, search_join
from dozor.search.models import Entry
from dozor.search.sources import BY_KIND, SOURCES, EntryData
from dozor.search.text import index_terms

BATCH = 500


def _entry(kind: str, pk: int, data: EntryData) -> Entry:
    shown = [part for texts in data.texts.values() for part in texts.values()]
    folded = search_join([*shown, *data.words])
    # The titles' terms a second time: a word in a title ranks above the same word in a body.
    titles = index_terms(" ".join(texts["title"] for texts in data.texts.values()))
    return Entry(
        kind=kind,
        object_id=pk,
        url=data.url,
        texts=data.texts,
        terms=f"{index_terms(folded)} {titles}",
        folded=folded,
        region_id=data.region_id,
        authority_id=data.authority_id,
        year=data.year,
    )


def search_index_refresh(*, kind: str, pks: Iterable[int], gazetteer: Gazetteer | None = None) -> int:
    """Index the records ``pks`` of ``kind`` again (a record gone is dropped). Returns the number
    of entries written."""
    source = BY_KIND[kind]
    wanted = sorted(set(pks))
    if not wanted:
        return 0
    gazetteer = gazetteer if gazetteer is not None else gazetteer_read()
    written = 0
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        records = list(source.queryset().filter(pk__in=chunk))
        entries = [_entry(kind, r.pk, source.build(r, gazetteer)) for r in records]
        with transaction.atomic():
            Entry.objects.filter(kind=kind, object_id__in=chunk).delete()
            Entry.objects.bulk_create(entries)
        written += len(entries)
    return written


def search_rebuild(
    *,
    kinds: Iterable[str] | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Rebuild the index of ``kinds`` (all by default) from the records. Returns the entries per
    kind; with ``dry_run`` counts the records and writes nothing."""
    chosen = list(kinds) if kinds is not None else [s.kind for s in SOURCES]
    counts: dict[str, int] = {}
    gazetteer = gazetteer_read()
    for kind in chosen:
        source = BY_KIND[kind]
        if dry_run:
            counts[kind] = source.model._default_manager.count()
            continue
        with transaction.atomic():
            Entry.objects.filter(kind=kind).delete()
            batch: list[Entry] = []
            total = 0
            for record in source.queryset().order_by("pk").iterator(chunk_size=BATCH):
                batch.append(_entry(kind, record.pk, source.build(record, gazetteer)))
                if len(batch) >= BATCH:
                    Entry.objects.bulk_create(batch)
                    total += len(batch)
                    batch = []
            Entry.objects.bulk_create(batch)
            total += len(batch)
        counts[kind] = total
        if progress is not None:
            progress(kind, total)
    return counts


# --- refresh after commit ---------------------------------------------------------------------------

_PENDING_ATTR = "dozor_search_pending"


def search_index_later(*, kind: str, pk: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Queue one record to be indexed again once the current transaction commits (at once in
    autocommit). The queue is per connection and flushed by one on-commit callback; a queue left
    by a rolled-back transaction is flushed with the next commit (a refresh reads what is stored,
    so indexing a record again is always harmless)."""
    connection = connections[using]
    pending: dict[str, set[int]] | None = getattr(connection, _PENDING_ATTR, None)
    flusher = _flushers.setdefault(using, lambda: _flush(using))
    fresh = pending is None
    if pending is None:
        pending = {}
        setattr(connection, _PENDING_ATTR, pending)
    pending.setdefault(kind, set()).add(pk)
    # Each item of ``run_on_commit`` is (savepoint ids, callback, robust).
    if fresh or not any(item[1] is flusher for item in connection.run_on_commit):
        transaction.on_commit(flusher, using=using)


_flushers: dict[str, Callable[[], None]] = {}


def _flush(using: str) -> None:
    connection = connections[using]
    pending: dict[str, set[int]] = getattr(connection, _PENDING_ATTR, None) or {}
    setattr(connection, _PENDING_ATTR, None)
    if not pending:
        return
    gazetteer = gazetteer_read()
    for kind, pks in pending.items():
        search_index_refresh(kind=kind, pks=pks, gazetteer=gazetteer)
