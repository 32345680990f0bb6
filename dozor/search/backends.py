"""One interface, two full-text engines (decision 0032): ``match(entries, query)`` keeps the index
rows that contain every word of ``query`` (any of its stems, as a prefix) and annotates ``rank``
(higher is better). SQLite uses its FTS5 table and ``bm25``; PostgreSQL ``to_tsquery`` over the
GIN-indexed ``to_tsvector('simple', terms)`` and ``ts_rank``. Both read the same terms made by
``dozor.search.text``, so they find the same rows; ranks differ in scale, never in what is found.
When the words match nothing, ``fallback`` looks for them inside the folded text (typos in the
middle of a word, parts of codes): a trigram index serves it on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from dozor.core.search import search_words
from dozor.search.models import Entry
from dozor.search.text import query_groups

Groups = list[tuple[tuple[str, ...], bool]]


def _fts5(groups: Groups) -> str:
    # Terms are letters and digits only (folded), so quoting cannot be escaped out of.
    parts = []
    for alternatives, prefix in groups:
        star = "*" if prefix else ""
        parts.append("(" + " OR ".join(f'"{a}"{star}' for a in alternatives) + ")")
    return " AND ".join(parts)


def _tsquery(groups: Groups) -> str:
    parts = []
    for alternatives, prefix in groups:
        star = ":*" if prefix else ""
        parts.append("(" + " | ".join(f"'{a}'{star}" for a in alternatives) + ")")
    return " & ".join(parts)


def match(entries: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    groups = query_groups(query)
    if not groups:
        return entries.none()
    vendor = connection.vendor
    if vendor == "sqlite":
        expression = _fts5(groups)
        hits = RawSQL("SELECT rowid FROM search_entry_fts WHERE search_entry_fts MATCH %s", [expression])
        rank = RawSQL(
            "(SELECT -bm25(search_entry_fts) FROM search_entry_fts "
            "WHERE search_entry_fts MATCH %s AND rowid = search_entry.id)",
            [expression],
            output_field=FloatField(),
        )
        return entries.filter(id__in=hits).annotate(rank=rank)
    if vendor == "postgresql":
        expression = _tsquery(groups)
        found = RawSQL(
            "to_tsvector('simple'::regconfig, search_entry.terms) @@ to_tsquery('simple'::regconfig, %s)",
            [expression],
            output_field=BooleanField(),
        )
        rank = RawSQL(
            "ts_rank(to_tsvector('simple'::regconfig, search_entry.terms), to_tsquery('simple'::regconfig, %s))",
            [expression],
            output_field=FloatField(),
        )
        return entries.filter(found).annotate(rank=rank)
    return fallback(entries, query)


def fallback(entries: QuerySet[Entry], query: str) -> QuerySet[Entry]:
    """Rows whose folded text contains every word of ``query`` (LIKE '%word%'), ranked equal."""
    words = search_words(query, limit=10)
    if not words:
        return entries.none()
    for word in words:
        entries = entries.filter(folded__contains=word)
    return entries.annotate(rank=Value(0.0, output_field=FloatField()))
