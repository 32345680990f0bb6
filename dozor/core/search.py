"""Search folding: one function turns stored and queried text into the same form.

Every ``search_text`` column is built with ``search_join`` and every query is split with
``search_words``, so a difference the folding removes (case, ё/е, "№ 2" / "N2" / "No. 2",
punctuation and dashes, repeated spaces) can never stop a match. The gazetteer (pack data,
``packs/kz/gazetteer.yaml``) adds every known spelling of a place's settlement and region to its
search text, so "Өскемен", "Усть-Каменогорск" and "Oskemen" find the same places.
See docs/decisions/0010-search-folding.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SEPARATOR = " | "  # between the parts of a search text (the similarity check splits on it)

# Anything that is neither a letter, a digit nor the number sign becomes a space.
_PUNCTUATION = re.compile(r"[^\w№]|_")
# A number sign before a number, in any of its spellings, once punctuation is gone:
# "№ 2", "№2", "n 2", "n2", "no 2" (from "No. 2"), "nr 2" -> "№2".
_NUMBER_SIGN = re.compile(r"(?:№|\b(?:no|nr|n))\s*(?=\d)")
_SPACES = re.compile(r"\s+")


def search_fold(text: str) -> str:
    """``text`` in the one form searches compare: case-folded, ё as е, one spelling of the number
    sign ("№2"), punctuation and dashes as spaces, single spaces, no spaces at either end."""
    folded = text.casefold().replace("ё", "е")
    folded = _PUNCTUATION.sub(" ", folded)
    folded = _NUMBER_SIGN.sub("№", folded)
    return _SPACES.sub(" ", folded).strip()


def search_join(parts: Iterable[str | None]) -> str:
    """A search text: each non-empty part folded, joined with ``SEPARATOR`` (duplicates dropped)."""
    folded = (search_fold(p) for p in parts if p)
    return SEPARATOR.join(dict.fromkeys(p for p in folded if p))


def search_words(query: str, *, limit: int | None = None) -> list[str]:
    """The words of a query, folded as stored text is (so "№ 2" stays one word, "№2")."""
    words = search_fold(query).split()
    return words[:limit] if limit is not None else words


def search_matches(query: str, text: str) -> bool:
    """Whether every word of ``query`` occurs in ``text`` once both are folded."""
    words = search_words(query)
    folded = search_fold(text)
    return bool(words) and all(word in folded for word in words)


@dataclass(frozen=True)
class Gazetteer:
    """Every spelling of each known place, folded: settlements by name, regions by their pk."""

    settlements: tuple[tuple[str, ...], ...] = ()
    regions: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def variants(self, *, settlement: str = "", region_id: int | None = None) -> list[str]:
        """The names of the settlement ``settlement`` names (if known) and of region ``region_id``."""
        found: list[str] = []
        padded = f" {search_fold(settlement)} "
        if padded.strip():
            for names in self.settlements:
                if any(f" {name} " in padded for name in names):
                    found.extend(names)
        if region_id is not None:
            found.extend(self.regions.get(region_id, ()))
        return list(dict.fromkeys(found))


def gazetteer_read(place_names: Any = None) -> Gazetteer:
    """The gazetteer as loaded from the country pack (one query). ``place_names`` is the model to
    read, for a data migration's historical ``core.PlaceName``."""
    from dozor.core.models import PlaceName

    model = place_names or PlaceName
    settlements: list[tuple[str, ...]] = []
    regions: dict[int, tuple[str, ...]] = {}
    for kind, region_id, names in model.objects.values_list("kind", "region_id", "names"):
        folded = tuple(dict.fromkeys(f for n in names if (f := search_fold(str(n)))))
        if kind == "region" and region_id is not None:
            regions[region_id] = regions.get(region_id, ()) + folded
        else:
            settlements.append(folded)
    return Gazetteer(settlements=tuple(settlements), regions=regions)
