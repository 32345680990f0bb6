"""Words and their stems, the same for stored text and queries (decision 0032).

Text is folded first with ``dozor.core.search.search_fold`` (case, ё/е, punctuation, the number
sign), then each word gives its *terms*: the word itself and its stems. Russian and English words
are stemmed by Snowball (``snowballstemmer``); Kazakh, for which the package registry offers no
stemmer that runs offline (see the decision record), by stripping inflectional suffixes
(plural, possessive and case endings) from the end of the word, at most as long as a stem of three
letters remains. A Cyrillic word without Kazakh letters may be either language, so it gets both
stems. Stored text keeps every term; a query word matches any indexed term that starts with one of
its stems, so "тюрьмы" finds "тюрьма" (both stem to "тюрьм") and "түрмелерде" finds "түрме".
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from dozor.core.search import search_fold

KAZAKH_LETTERS = frozenset("әғқңөұүһі")
_CYRILLIC = re.compile(r"[а-яәғқңөұүһі]")
_LATIN = re.compile(r"[a-z]")
# "№2" is one word after folding; full-text tokenizers would drop the sign, so it is spelt "nr2".
NUMBER_SIGN = "nr"

# Kazakh inflectional endings, longest first: case endings (ablative, locative, genitive,
# accusative, dative, instrumental, the adjectival -дағы), possessive and plural suffixes. Derivational
# suffixes (-лық, -шы, ...) are kept: they make a different word.
_KAZAKH_SUFFIXES = tuple(
    sorted(
        {
            # plural
            "лар",
            "лер",
            "дар",
            "дер",
            "тар",
            "тер",
            # possessive
            "ымыз",
            "іміз",
            "мыз",
            "міз",
            "ыңыз",
            "іңіз",
            "ңыз",
            "ңіз",
            "сы",
            "сі",
            "ым",
            "ім",
            "ың",
            "ің",
            # genitive, accusative
            "ның",
            "нің",
            "дың",
            "дің",
            "тың",
            "тің",
            "ны",
            "ні",
            "ды",
            "ді",
            "ты",
            "ті",
            # dative
            "ға",
            "ге",
            "қа",
            "ке",
            "на",
            "не",
            # locative (and after a possessive), the adjectival locative
            "да",
            "де",
            "та",
            "те",
            "нда",
            "нде",
            "дағы",
            "дегі",
            "тағы",
            "тегі",
            "ндағы",
            "ндегі",
            # ablative
            "дан",
            "ден",
            "тан",
            "тен",
            "нан",
            "нен",
            # instrumental
            "мен",
            "бен",
            "пен",
            "ымен",
            "імен",
        },
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 3
_MAX_STRIPS = 4

_russian = snowballstemmer.stemmer("russian")
_english = snowballstemmer.stemmer("english")


def kazakh_stem(word: str) -> str:
    """``word`` with its Kazakh inflectional endings stripped, leaving at least three letters."""
    stem = word
    # One-letter endings (3rd person possessive after a consonant, accusative after a possessive)
    # are stripped only from longer words, where they are far more often an ending than the root.
    for _i in range(_MAX_STRIPS):
        for suffix in _KAZAKH_SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= _MIN_STEM:
                stem = stem[: -len(suffix)]
                break
        else:
            # "н" only after a possessive vowel (түрмесін), where it is the accusative ending.
            short = stem.endswith(("ы", "і")) or stem.endswith(("ын", "ін"))
            if short and len(stem) - 1 >= _MIN_STEM + 1:
                stem = stem[:-1]
            else:
                break
    return stem


@lru_cache(maxsize=100_000)
def word_stems(word: str) -> tuple[str, ...]:
    """The stems of one folded word (itself when it has none): Kazakh and Russian for Cyrillic,
    English for Latin, none for a word with digits (numbers and codes match whole)."""
    if any(ch.isdigit() for ch in word) or len(word) < _MIN_STEM:
        return (word,)
    stems: list[str] = []
    if _CYRILLIC.search(word):
        if not KAZAKH_LETTERS.isdisjoint(word):
            stems.append(kazakh_stem(word))
        else:
            stems += [_russian.stemWord(word), kazakh_stem(word)]
    elif _LATIN.search(word):
        stems.append(_english.stemWord(word))
    stems = [s for s in stems if len(s) >= 2] or [word]
    return tuple(dict.fromkeys(stems))


def _words(text: str) -> list[str]:
    return search_fold(text).replace("№", NUMBER_SIGN).split()


def index_terms(text: str) -> str:
    """The terms stored for ``text``: each word and its stems, once each, space-separated."""
    terms: dict[str, None] = {}
    for word in _words(text):
        terms[word] = None
        for stem in word_stems(word):
            terms[stem] = None
    return " ".join(terms)


def query_groups(query: str, *, limit: int = 10) -> list[tuple[tuple[str, ...], bool]]:
    """The words of a query as groups of alternatives (a word matches if any alternative does),
    each with whether it is a prefix (stems) or must match whole (numbers, words under 3 letters).
    One-letter words other than numbers ("в", "a") are left out."""
    groups: list[tuple[tuple[str, ...], bool]] = []
    for word in dict.fromkeys(_words(query)):
        if len(word) < 2 and not word.isdigit():
            continue
        stems = word_stems(word)
        prefix = not (any(ch.isdigit() for ch in word) or len(word) < _MIN_STEM)
        if prefix:
            # A stem that starts with another adds nothing to a prefix search.
            stems = tuple(s for s in stems if not any(o != s and s.startswith(o) for o in stems))
        groups.append((stems, prefix))
    return groups[:limit]


def highlight_stems(query: str) -> tuple[str, ...]:
    """The prefixes that mark a shown word as a match (the query's stems, folded)."""
    return tuple(stem for stems, _prefix in query_groups(query) for stem in stems)
