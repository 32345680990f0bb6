"""Repeat detection: is a new recommendation like one already issued to the same place or authority?

NPM reports repeat recommendations in other words year after year ("Ensure every newly admitted
person is examined by a doctor within 24 hours" / "Every person admitted must be examined by a
doctor within 24 hours of arrival"), so identical text is not enough.

Method (no extra dependency, works for Kazakh, Russian and English alike):

1. Normalise: casefold, every run of punctuation or symbols becomes a space, split into words.
2. Drop a short list of function words and the formulaic openings of recommendations ("ensure",
   "обеспечить", "қамтамасыз ету", ...) that every recommendation shares.
3. Represent the text as the multiset of character trigrams of its words padded with spaces
   (" doctor " -> " do", "doc", ..., "or "). Trigrams tolerate the inflection of Russian and Kazakh
   ("осмотр" / "осмотрено", "поступившего" / "поступившее") and word-order changes.
4. Score = cosine similarity of the two trigram count vectors, between 0 and 1.

A recommendation has up to three texts (kk/ru/en, stored together in ``search_text`` separated by
" | "); each text of the new one is compared with each text of a candidate and the best pair
counts, so a Russian-only draft still finds an earlier recommendation written in Russian and
English.

``SIMILARITY_THRESHOLD`` (0.5): on real-style pairs reworded repeats score 0.65-0.9 and unrelated
recommendations with the same formulaic words ("within ... hours", "access to") score below 0.4
(see tests/test_similarity.py). Raise it if users see too many false suggestions; the suggestion
is only advisory - the user links or confirms.

Candidates are the recommendations of the same place OR the same authority (one query reading
only id, search_text and status), scored in Python; the few best are then loaded for display.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet

from dozor.recommendations.models import Recommendation

SIMILARITY_THRESHOLD = 0.5

_NON_WORD = re.compile(r"[\W_]+")

# Function words and the openings every recommendation shares; their trigrams would make any two
# recommendations look alike. Kept short on purpose: trigrams of content words carry the meaning.
_STOP_EN = (
    "a an the of to in on for by and or is are be been must should shall will with within at as "
    "from that this these those its it their there all any each every ensure ensuring provide "
    "take measures measure make sure"
)
_STOP_RU = (
    "и в во на по с со к ко о об от до для из у не ни что чтобы а также его ее их все всех "
    "каждый каждого каждое каждая каждому обеспечить обеспечение обеспечивать принять принимать "
    "меры мер должно должен должна должны быть был были течение"
)
_STOP_KK = (
    "және мен пен бен үшін қамтамасыз ету етілсін етуді барлық әрбір бойынша туралы немесе де "
    "да те та тиіс шаралар шараларын қабылдау"
)
STOP_WORDS = frozenset(f"{_STOP_EN} {_STOP_RU} {_STOP_KK}".split())


def normalise(text: str) -> list[str]:
    """Casefolded words of ``text`` with punctuation and symbols removed."""
    return _NON_WORD.sub(" ", text.casefold()).split()


def trigrams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in normalise(text):
        if word in STOP_WORDS:
            continue
        padded = f" {word} "
        for i in range(len(padded) - 2):
            grams[padded[i : i + 3]] += 1
    return grams


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    if not dot:
        return 0.0
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm


def _segments(text: str) -> list[Counter[str]]:
    """The trigram vectors of each language's text (``search_text`` joins them with " | ")."""
    return [grams for part in text.split(" | ") if (grams := trigrams(part))]


def similarity(a: str, b: str) -> float:
    """The best cosine between any text of ``a`` and any text of ``b`` (each may hold kk/ru/en)."""
    left, right = _segments(a), _segments(b)
    return max((cosine(x, y) for x in left for y in right), default=0.0)


def similar_recommendations(
    text: str,
    facility: Any = None,
    authority: Any = None,
    exclude: Any = None,
    limit: int = 5,
    *,
    among: QuerySet[Recommendation] | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[tuple[Recommendation, float]]:
    """Recommendations of the same place or authority whose text resembles ``text``, best first.

    ``text`` may join several languages with " | " (``Recommendation.build_search_text()``).
    ``facility`` / ``authority`` / ``exclude`` are instances or primary keys. ``among`` restricts the
    candidates (pass ``access.recommendations_visible_to(user)`` from pages). Without a place and
    an authority there is nothing to compare with and the answer is empty.
    """
    facility_id = getattr(facility, "pk", facility)
    authority_id = getattr(authority, "pk", authority)
    scope = Q()
    if facility_id is not None:
        scope |= Q(facility_id=facility_id)
    if authority_id is not None:
        scope |= Q(authority_id=authority_id)
    query = _segments(text)
    if not scope or not query:
        return []
    candidates = (among if among is not None else Recommendation.objects.all()).filter(scope)
    exclude_id = getattr(exclude, "pk", exclude)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    scores: dict[int, float] = {}
    for pk, search_text, _status in candidates.values_list("id", "search_text", "status_id").order_by():
        best = max((cosine(q, c) for q in query for c in _segments(search_text)), default=0.0)
        if best >= threshold:
            scores[pk] = best
    best_ids = sorted(scores, key=lambda pk: (-scores[pk], -pk))[:limit]
    if not best_ids:
        return []
    loaded = Recommendation.objects.select_related("status", "facility", "authority", "theme").in_bulk(
        best_ids
    )
    return [(loaded[pk], round(scores[pk], 3)) for pk in best_ids if pk in loaded]
