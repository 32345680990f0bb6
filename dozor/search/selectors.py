"""Reading the index for one user: what they may open, matched, filtered, counted and ranked.

Access is part of the query, not a filter afterwards: every kind contributes
``kind = K AND object_id IN (<the owning app's visible queryset>)``, so the counts per kind, the
total and the page are computed over exactly what the user may open. A kind the user may not
read at all is left out of the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dozor.accounts.access import AnyUser
from dozor.core.models import Authority
from dozor.search import backends
from dozor.search.models import Entry, Kind
from dozor.search.sources import SOURCES
from dozor.search.text import NUMBER_SIGN, query_groups

MAX_QUERY = 200
SNIPPET = 240
Marks = list[tuple[str, bool]]  # (stem or number, whether a shown word may only start with it)


def visible_entries(user: AnyUser) -> QuerySet[Entry]:
    """The index rows of records ``user`` may open (through each app's access helper)."""
    allowed = Q()
    any_kind = False
    for source in SOURCES:
        visible = source.visible(user)
        if visible.query.is_empty():
            continue
        allowed |= Q(kind=source.kind, object_id__in=visible.values("pk"))
        any_kind = True
    return Entry.objects.filter(allowed) if any_kind else Entry.objects.none()


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    region: int | None = None
    authority: Authority | None = None
    year: int | None = None


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    url: str
    title: SafeString
    snippet: SafeString
    year: int | None


@dataclass(frozen=True)
class Results:
    query: str
    total: int  # over every kind, with the other filters
    counts: dict[str, int]  # per kind, with the other filters
    count: int  # of the chosen kind (or all)
    hits: list[Hit]
    fallback: bool  # found by the substring fallback
    page: int  # the page shown (1-based)


def _filtered(entries: QuerySet[Entry], filters: Filters) -> QuerySet[Entry]:
    if filters.region is not None:
        entries = entries.filter(region_id=filters.region)
    if filters.authority is not None:
        subtree = Authority.objects.filter(path__startswith=filters.authority.path).values("pk")
        entries = entries.filter(authority_id__in=subtree)
    if filters.year is not None:
        entries = entries.filter(year=filters.year)
    return entries


def search(
    user: AnyUser, query: str, *, filters: Filters | None = None, page: int = 1, per_page: int = 20
) -> Results:
    """The results of ``query`` for ``user``: counts per kind (one query) and page ``page`` of the
    hits (one query; a page past the end is the last), best first. Nothing the user may not open
    is found or counted."""
    filters = filters or Filters()
    query = query.strip()[:MAX_QUERY]
    base = _filtered(visible_entries(user), filters)
    matched = backends.match(base, query)
    counts = _counts(matched)
    used_fallback = False
    if not counts and query_groups(query):
        matched = backends.fallback(base, query)
        counts = _counts(matched)
        used_fallback = bool(counts)
    chosen = matched.filter(kind=filters.kind) if filters.kind else matched
    count = counts.get(filters.kind, 0) if filters.kind else sum(counts.values())
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    offset = (page - 1) * per_page
    rows = (
        list(chosen.order_by("-rank", "-year", "kind", "object_id")[offset : offset + per_page])
        if count
        else []
    )
    labels = {value: str(label) for value, label in Kind.choices}
    marks = _marks(query)
    hits = [_hit(row, marks, labels) for row in rows]
    return Results(
        query=query,
        total=sum(counts.values()),
        counts=counts,
        count=count,
        hits=hits,
        fallback=used_fallback,
        page=page,
    )


def _counts(matched: QuerySet[Entry]) -> dict[str, int]:
    return {
        row["kind"]: row["n"] for row in matched.order_by().values("kind").annotate(n=Count("id")) if row["n"]
    }


def _hit(row: Entry, marks: Marks, labels: dict[str, str]) -> Hit:
    lang = (get_language() or "ru").split("-")[0]
    texts = row.texts.get(lang) or next(iter(row.texts.values()), {"title": "", "body": ""})
    return Hit(
        kind=row.kind,
        kind_label=str(labels.get(row.kind, row.kind)),
        url=row.url,
        title=highlight(texts.get("title", ""), marks),
        snippet=highlight(_window(texts.get("body", ""), marks), marks),
        year=row.year,
    )


def _marks(query: str) -> Marks:
    """What marks a shown word as a match: a stem it starts with, or a number it equals."""
    marks: Marks = []
    for alternatives, prefix in query_groups(query):
        for alternative in alternatives:
            number = alternative.removeprefix(NUMBER_SIGN)
            # "№2" is shown as "№ 2" or "№2": the number alone is marked.
            marks.append(
                (number, False) if number != alternative and number.isdigit() else (alternative, prefix)
            )
    return marks


_TOKEN = re.compile(r"(\w+)", re.UNICODE)


def _is_match(word: str, marks: Marks) -> bool:
    # ``word`` is letters and digits only: folding it is case and ё (``search_fold`` without its regexes).
    folded = word.casefold().replace("ё", "е")
    return any(folded.startswith(stem) if prefix else folded == stem for stem, prefix in marks)


def _window(text: str, marks: Marks) -> str:
    """About ``SNIPPET`` characters of ``text`` around its first match (its start if none)."""
    if len(text) <= SNIPPET:
        return text
    for found in _TOKEN.finditer(text):
        if _is_match(found.group(1), marks):
            start = max(0, found.start() - SNIPPET // 3)
            piece = text[start : start + SNIPPET]
            return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")
    return text[:SNIPPET] + "…"


def highlight(text: str, marks: Marks) -> SafeString:
    """``text`` escaped, with the matching words wrapped in ``<mark>`` (the only markup added)."""
    out = []
    for piece in _TOKEN.split(text):
        if piece and _TOKEN.fullmatch(piece) and _is_match(piece, marks):
            out.append(f"<mark>{escape(piece)}</mark>")
        else:
            out.append(escape(piece))
    return mark_safe("".join(out))
