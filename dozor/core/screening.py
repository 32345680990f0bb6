"""Screening of a text before it leaves the NPM: what in it could identify a person.

One toolkit for every outward text: the release gate's report versions and press releases
(publishing) and the recommendations and letters the authority reads (recommendations). It knows
no models: callers give the names to look for (persons of the registry, the visit's interviewees'
recorded identities) and keep their own records of decisions, so dependencies point down
(docs/architecture.md, docs/decisions/0020-release-gate.md, 0030-screening-letters-and-recommendations.md).

- ``screen(text, names=..., identities=...)``: proposals, sorted and without overlaps: the
  detectors' spans (``dozor.core.detectors``), each exact occurrence of an interviewee's identity,
  and the pack's exact locations (``dozor.core.disclosure.exact_locations``: cell and room numbers,
  kind ``location`` with the rule's marker). ``kinds`` keeps only some kinds.
- ``names_present(text, names)``: the names worth passing to ``screen`` (a cheap test first: the
  registry is large and every name passed widens the detectors' search).
- ``identity_parts(identity)``: the names in an interview's free-text identity.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dozor.core.detectors import detect
from dozor.core.disclosure import exact_locations

DEFAULT_REPLACEMENT = "[…]"
LOCATION = "location"
PERSON_NAME = "person_name"
# What each kind of proposal is called, for people (the same words as the release gate's editor).
KIND_LABELS = {
    "person_name": _("Name of a person"),
    "iin": _("IIN (individual identification number)"),
    "phone": _("Phone number"),
    "email": _("E-mail address"),
    "address": _("Address"),
    "cell_date": _("Cell number with a date"),
    "health": _("Health or other special-category detail"),
    "pattern": _("Configured pattern"),
    LOCATION: _("Exact location (cell or room)"),
}


@dataclass(frozen=True)
class Proposal:
    start: int
    end: int
    kind: str
    replacement: str = DEFAULT_REPLACEMENT

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of ``needle`` as whole words."""
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def screen(
    text: str,
    *,
    names: Iterable[str] = (),
    identities: Iterable[str] = (),
    kinds: Collection[str] | None = None,
    other_names: bool = True,
) -> list[Proposal]:
    """What to remove from ``text`` before it leaves the NPM, sorted and without overlaps: the
    detectors' spans (with ``names``), each exact occurrence of an interviewee's identity (kind
    ``person_name``), and the pack's exact locations (kind ``location``, with the rule's marker).
    An earlier span wins; at the same start the longer one. ``kinds`` (None: all) keeps only those
    kinds; ``other_names=False`` leaves out names nobody gave (airlock-pii's rules)."""
    found: list[Proposal] = []
    for span in detect(text, names=names, other_names=other_names):
        if span.end <= span.start or span.end > len(text) or span.start < 0:
            continue  # the contract is spans inside the text; never trust it blindly
        found.append(Proposal(span.start, span.end, span.kind))
    for identity in identities:
        found += [Proposal(a, b, PERSON_NAME) for a, b in occurrences(text, identity)]
    found += [Proposal(a, b, LOCATION, marker) for a, b, marker in exact_locations(text)]
    if kinds is not None:
        found = [p for p in found if p.kind in kinds]
    out: list[Proposal] = []
    for proposal in sorted(found, key=lambda p: (p.start, -p.end)):
        if not out or proposal.start >= out[-1].end:
            out.append(proposal)
    return out


# --- the names worth looking for -------------------------------------------------------------------


_DIGIT = re.compile(r"\d")
_PARTS = re.compile(r"[,;\n/()]+")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LATIN = dict(
    zip(
        "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә",
        [
            "a",
            "b",
            "v",
            "g",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "q",
            "l",
            "m",
            "n",
            "n",
            "o",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "u",
            "u",
            "f",
            "kh",
            "h",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "i",
            "-",
            "e",
            "yu",
            "ya",
            "a",
        ],
        strict=True,
    )
)


def stems(part: str) -> list[str]:
    """What must occur in a text for a name part to be there in some grammatical case: its stem
    (the ending may change: Ахметова, Ахметовой), in Cyrillic and in a Latin transliteration."""
    word = part.lower()
    stem = word[: max(3, len(word) - 3)]
    latin = "".join(_LATIN.get(c, c) for c in stem).replace("-", "")
    return [stem, latin] if latin != stem else [stem]


def identity_parts(identity: str) -> list[str]:
    """The name in an interview's free-text identity ("name, date of birth, cell"): the parts
    without digits (a date or a cell number is no name, and the detectors find those anyway)."""
    parts = []
    for part in _PARTS.split(identity):
        part = part.strip(" .\t")
        if part and not _DIGIT.search(part) and len(part.split()) <= 4:
            parts.append(part)
    return parts


def names_present(text: str, names: Iterable[str]) -> list[str]:
    """Those of ``names`` that may occur in ``text`` in some grammatical form: the stem of one of
    their parts occurs (the detectors then find every form of the name). Spaces normalised."""
    haystack = text.lower()
    found: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        parts = [p for p in _WORDS.findall(name) if len(p) >= 3]
        if any(stem in haystack for p in parts for stem in stems(p)):
            found.add(name)
    return sorted(found)
