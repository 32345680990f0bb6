"""Detectors of data that identifies a person, for every text that leaves the NPM.

Used through ``dozor.core.screening`` by the release gate (publishing: report versions, press
releases) and by the screening of recommendations and letters to the authority (recommendations).

``detect(text, names=..., patterns=...)`` returns non-overlapping spans, each with the kind of data
found. The editor accepts or rejects each proposal; nothing is removed without a person's decision,
so the detectors lean towards proposing too much (docs/decisions/0008-publishing.md, "Detectors",
has the evaluation against a labelled corpus and why each part is what it is).

Kinds:

- ``iin``: twelve digits with the right IIN check digit (order No. 521 of 2023) and either a birth
  date in the first six digits or an IIN word (ИИН, ЖСН, IIN) just before. A case or registration
  number with a wrong check digit is never an IIN.
- ``phone``: Kazakhstan numbers: ``+7`` or ``8`` and ten digits starting with 6 or 7, written with
  any spaces, dashes and brackets (``+7 701 123 45 67``, ``8 (727) 123-45-67``, ``87011234567``).
- ``email``.
- ``person_name``: the given names (registry persons, interviewees' identities) in any grammatical
  case (Russian and Kazakh endings after the stem of each part longer than four letters), with
  initials (``Ж. Ахметова``, ``Ахметова Ж.С.``) and in Latin transliteration (``Zhanar Akhmetova``);
  plus names nobody gave, found by the rules of airlock-pii (pure Python, Apache-2.0).
- ``address``: street addresses in ru/kk/en (``г. Алматы, ул. Абая 10, кв. 5``,
  ``Астана қ., Абай даңғылы 12``, ``12 Abay Avenue, apt. 5``).
- ``cell_date``: a cell (ward) number near a date (``в камере № 14 2 марта``,
  ``14-камерада 2 наурызда``, ``in cell 14 on 2 March``): the combination singles a person out.
- ``health``: health and other special categories (HIV, tuberculosis, psychiatric diagnoses,
  pregnancy, sexual violence, sexual orientation and gender identity) in ru/kk/en.
- ``pattern`` (or any kind above): configured regular expressions, see ``configured_patterns``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

KINDS = ("person_name", "iin", "phone", "email", "address", "cell_date", "health", "pattern")

# Letters of the Kazakh and Russian alphabets, capital and small.
_UP = "А-ЯЁӘҒҚҢӨҰҮҺІ"
_LOW = "а-яёәғқңөұүһі"
_CAP = f"[A-Z{_UP}]"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str

    def text(self, source: str) -> str:
        return source[self.start : self.end]


# --- IIN --------------------------------------------------------------------------------------

_TWELVE = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_IIN_WORD = re.compile(r"(?:ИИН|ЖСН|IIN)\b[^0-9]{0,20}$", re.IGNORECASE)


def iin_check_digit(first11: str) -> int | None:
    """The check digit of an IIN (or BIN) for its first eleven digits, or None if there is none.

    Order No. 521 of 29 June 2023, para. 2: the sum of the digits weighted 1..11, mod 11; when that
    is 10, again with the weights 3..11, 1, 2; a second 10 means no such number is issued.
    """
    digits = [int(c) for c in first11]
    check = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
    return None if check == 10 else check


def is_valid_iin(number: str) -> bool:
    """Twelve ASCII digits whose last is the right check digit."""
    return (
        len(number) == 12
        and number.isascii()
        and number.isdigit()
        and iin_check_digit(number[:11]) == int(number[11])
    )


def _birth_date(number: str) -> bool:
    try:
        date(2000 + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        return False
    return True


def _iins(text: str) -> list[Span]:
    found = []
    for match in _TWELVE.finditer(text):
        number = match.group()
        if is_valid_iin(number) and (
            _birth_date(number) or _IIN_WORD.search(text, max(0, match.start() - 30), match.start())
        ):
            found.append(Span(match.start(), match.end(), "iin"))
    return found


# --- phone, e-mail ----------------------------------------------------------------------------

_PHONE = re.compile(r"(?<![\w+])(?:\+\s?7|8)[\s\-–(]*([67])(?:[\s\-–()]{0,2}\d){9}(?![0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _phones(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "phone") for m in _PHONE.finditer(text)]


def _emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]


# --- addresses --------------------------------------------------------------------------------

_WORD = rf"[{_UP}A-Z][\w-]*"
_HOUSE = r"\d+\s?[а-яa-z]?(?:/\d+)?"
_FLAT = r"(?:,?\s*(?:кв\.|квартира|пәтер|apt\.?|apartment|flat)\s*\d+|,?\s*\d+-пәтер)"
_ADDRESS = re.compile(
    "|".join(
        [
            # ru: [г. Город,] ул. Абая 10[, кв. 5] / мкр. Нурсат, д. 45 / пр. Бухар-Жырау 33
            rf"(?:(?:г\.|город|с\.|пос\.)\s*{_WORD},?\s*|{_WORD},\s*(?=(?:ул|пр|мкр|пер)\.))?"
            rf"(?:ул\.|улица|пр\.|пр-т|проспект|мкр\.?|микрорайон|пер\.|переулок|бул\.|бульвар|шоссе)\s*"
            rf"{_WORD}(?:[\s-][\w-]+){{0,2}}?,?\s*(?:д\.|дом)?\s*{_HOUSE}{_FLAT}?",
            # kk: [Астана қ.,|Шымкент қаласы,] Абай даңғылы 12 / Тәуке хан көшесі 5-үй[, 17-пәтер]
            rf"(?:{_WORD}\s+(?:қ\.|қаласы),?\s*)?{_WORD}(?:\s+[\w-]+)?\s+"
            rf"(?:көшесі|даңғылы|шағын\s+ауданы|ықшам\s+ауданы|тұйық\s+көшесі)\s*,?\s*{_HOUSE}(?:-үй)?{_FLAT}?",
            # en: 12 Abay Avenue[, apt. 5]
            rf"\d+[A-Za-z]?\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Lane){_FLAT}?",
        ]
    )
)


def _addresses(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "address") for m in _ADDRESS.finditer(text)]


# --- a cell number with a date ----------------------------------------------------------------

_CELL = re.compile(
    rf"(?:(?:камер|палат)[{_LOW}]*\s*(?:№\s*)?\d+"
    rf"|\d+\s*-?\s*(?:камера|палата|бөлме)[{_LOW}]*"
    rf"|(?:камера|палата)(?:сы)?\s*№\s*\d+"
    r"|(?:cell|ward|room)\s*(?:no\.?|number|#)?\s*\d+)",
    re.IGNORECASE,
)
_MONTHS = (
    r"январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
)
_DATE = re.compile(
    rf"(?:(?:с\s+)?\d{{1,2}}\s+(?:по|-|–)\s+)?\d{{1,2}}\s+(?:{_MONTHS})[{_LOW}a-z]*(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})[a-z]*\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
    r"|\d{1,2}\.\d{1,2}\.\d{2,4}",
    re.IGNORECASE,
)
_GAP = 30  # characters between a cell and a date that still make one combination


def _cell_dates(text: str) -> list[Span]:
    dates = list(_DATE.finditer(text))
    found = []
    for cell in _CELL.finditer(text):
        for day in dates:
            start, end = min(cell.start(), day.start()), max(cell.end(), day.end())
            between = text[min(cell.end(), day.end()) : max(cell.start(), day.start())]
            if len(between) <= _GAP and not re.search(r"[.;!?]\s", between):
                found.append(Span(start, end, "cell_date"))
    return found


# --- health and other special categories ------------------------------------------------------

_HEALTH = re.compile(
    r"(?<!\w)(?:"
    # ru
    r"ВИЧ(?:[- ]?(?:инфекци|положительн|инфицированн|статус)\w*)?|СПИД\w*|туберкул[её]з\w*|гепатит\w*"
    r"|психиатрическ\w*\s+диагноз\w*|психическ\w*\s+(?:расстройств|заболевани)\w*|шизофрени\w*"
    r"|биполярн\w*\s+расстройств\w*|эпилепси\w*|депресси\w*|(?:попытк\w*\s+)?суицид\w*|самоповрежд\w*"
    r"|наркозависим\w*|беременн\w*|изнасиловани\w*|изнасилова\w*|сексуальн\w*\s+насили\w*"
    r"|ЛГБТ\w*|гомосексуал\w*|трансгендер\w*|бисексуал\w*"
    # kk
    r"|АИТВ\w*|ЖИТС\w*|туберкулез\w*|психикалық\s+(?:ауру|бұзылу)\w*|жүкті\w*"
    r"|жыныстық\s+зорлық(?:-зомбылық)?\w*|зорлау\w*|зорлан\w*"
    # en
    r"|HIV(?:[- ](?:positive|status|infection))?|AIDS|tuberculosis|hepatitis\w*"
    r"|psychiatric\s+diagnos[ie]s|mental\s+(?:illness|disorder)\w*|schizophreni\w*|bipolar\s+disorder"
    r"|epilepsy|depression|(?:attempted\s+)?suicid\w*|self-harm\w*|pregnan\w*"
    r"|sexual\s+(?:violence|abuse|assault)|rape[ds]?|LGBT\w*|homosexual\w*|transgender\w*|bisexual\w*"
    r")(?!\w)",
    re.IGNORECASE,
)
# Abbreviations that are words in lower case ("aids" the verb, "спид" hardly, but keep them exact).
_CASE_SENSITIVE = {"aids", "вич", "спид", "аитв", "житс", "hiv", "лгбт", "lgbt"}


def _health(text: str) -> list[Span]:
    found = []
    for match in _HEALTH.finditer(text):
        word = re.match(r"\w+", match.group())
        if word and word.group().lower() in _CASE_SENSITIVE and not word.group().isupper():
            continue
        found.append(Span(match.start(), match.end(), "health"))
    return found


# --- given names ------------------------------------------------------------------------------

_RU_ENDING = r"(?:ами|ого|ому|ему|ой|ей|ою|ом|ем|ым|им|ых|их|ам|ах|ую|ая|ий|ый|а|я|у|ю|ы|и|е|о)?"
_KK_SUFFIX = (
    r"(?:ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|ны|ні|ды|ді|ты|ті|нда|нде|да|де|та|те"
    r"|дан|ден|тан|тен|нан|нен|мен|бен|пен|лар|лер|дар|дер|тар|тер|а|е|н){0,2}"
)
_LATIN_ENDING = r"(?:a|y|u|e|oi|oy|om|ym|i|ovna|ovich|uly|kyzy)?"
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "(?:gh|g)", "д": "d", "е": "(?:ye|e)", "ё": "(?:yo|e)",
    "ж": "(?:zh|j)", "з": "z", "и": "(?:i|y)", "й": "(?:i|y|j)?", "к": "k", "қ": "(?:k|q)", "л": "l",
    "м": "m", "н": "n", "ң": "(?:ng|n)", "о": "o", "ө": "(?:oe|o)", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "(?:ou|u|w)", "ұ": "u", "ү": "(?:ue|u)", "ф": "f", "х": "(?:kh|h|x)", "һ": "h",
    "ц": "(?:ts|c)", "ч": "ch", "ш": "sh", "щ": "(?:shch|sch)", "ъ": "", "ы": "(?:y|i)", "і": "i",
    "ь": "", "э": "e", "ю": "(?:yu|iu)", "я": "(?:ya|ia)", "ә": "(?:ae|a)",
}  # fmt: skip
_VOWELS = "аяуюыиеоэёәіөұүй"
_INITIALS = rf"(?:{_CAP}\.\s?){{1,2}}"


def _stem(part: str) -> str:
    stem = part
    while len(stem) > 4 and stem[-1].lower() in _VOWELS:
        stem = stem[:-1]
    return stem


def _letters(word: str) -> str:
    return "".join("[её]" if c in "её" else re.escape(c) for c in word.lower())


def _latin(word: str) -> str:
    return "".join(_TRANSLIT.get(c, re.escape(c)) for c in word.lower())


def _part_pattern(part: str) -> str:
    """A regex for one part of a name (surname, given name, patronymic) in any case form."""
    if len(part) > 4:
        stem = _stem(part)
        # the name as given, then any case form of its stem: a final vowel that is no case ending
        # (a name ending in "ұ") must still be found as written (found by the release-gate property)
        cyrillic = rf"(?:{_letters(part)}{_KK_SUFFIX}|{_letters(stem)}{_RU_ENDING}{_KK_SUFFIX})"
        latin = _latin(stem) + _LATIN_ENDING
    else:
        cyrillic = _letters(part) + _RU_ENDING + _KK_SUFFIX
        latin = _latin(part) + _LATIN_ENDING
    if re.search(r"[а-яёәғқңөұүһі]", part.lower()):
        return rf"(?:{cyrillic}|{latin})"
    return cyrillic


@lru_cache(maxsize=512)
def _name_regex(parts: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(_part_pattern(p) for p in sorted(parts, key=len, reverse=True))
    one = rf"(?<!\w)(?:{alternatives})(?!\w)"
    return re.compile(rf"(?:{_INITIALS}\s*)?{one}(?:\s+{one})*(?:\s+{_INITIALS}(?!\w))?", re.IGNORECASE)


def _given_names(text: str, names: Iterable[str]) -> list[Span]:
    parts = {
        p for name in names if name for p in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", name) if len(p) >= 2
    }
    if not parts:
        return []
    found = []
    for match in _name_regex(tuple(sorted(parts))).finditer(text):
        start = match.start()
        # A name is written with a capital: "Жанармай" or "жанар" is no "Жанар".
        first = re.search(r"\w", match.group())
        if first and first.group().isupper():
            end = match.end()
            while end > start and text[end - 1].isspace():
                end -= 1
            found.append(Span(start, end, "person_name"))
    return found


def _other_names(text: str) -> list[Span]:
    """Names that nobody gave: airlock-pii's rules (word lists of Kazakh and Russian given names,
    surname and patronymic endings, initials), without its optional NER."""
    import airlock_pii

    return [
        Span(e.start, e.end, "person_name")
        for e in airlock_pii.detect(text, types=airlock_pii.EntityType.PERSON, min_confidence=0.7)
    ]


# --- configured patterns ----------------------------------------------------------------------

Pattern = tuple[str, str]


def _pattern_file() -> Path | None:
    from django.conf import settings

    configured = getattr(settings, "DOZOR_REDACTION_PATTERNS", "") or os.environ.get(
        "DOZOR_REDACTION_PATTERNS", ""
    )
    if configured:
        return Path(configured)
    pack = Path(settings.DOZOR_PACKS_DIR) / settings.DOZOR_COUNTRY_PACK / "redaction.yaml"
    return pack if pack.exists() else None


def load_patterns(path: Path) -> list[Pattern]:
    """Read ``(regex, kind)`` pairs from a YAML file: a list under ``patterns`` of items with
    ``pattern`` (a Python regular expression), optional ``kind`` (one of ``KINDS``, default
    ``pattern``) and free-text ``description``. Raises ValueError naming the bad item."""
    from dozor.core.yamlio import yaml_load

    data: Any = yaml_load(path.read_text(encoding="utf-8")) or {}
    items = data.get("patterns", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list under 'patterns'")
    patterns: list[Pattern] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
            raise ValueError(f"{path}: item {number} has no 'pattern'")
        kind = item.get("kind", "pattern")
        if kind not in KINDS:
            raise ValueError(f"{path}: item {number}: unknown kind {kind!r}")
        try:
            re.compile(item["pattern"])
        except re.error as exc:
            raise ValueError(f"{path}: item {number}: not a regular expression ({exc})") from exc
        patterns.append((item["pattern"], kind))
    return patterns


@lru_cache(maxsize=8)
def _cached_patterns(path: str, mtime: float) -> tuple[Pattern, ...]:
    return tuple(load_patterns(Path(path)))


def configured_patterns() -> list[Pattern]:
    """The configured patterns: the file named by the setting (or environment variable)
    ``DOZOR_REDACTION_PATTERNS``, else the country pack's ``redaction.yaml``, else none."""
    path = _pattern_file()
    if path is None:
        return []
    return list(_cached_patterns(str(path), path.stat().st_mtime))


@lru_cache(maxsize=256)
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def _patterns(text: str, patterns: Iterable[Pattern]) -> list[Span]:
    found = []
    for regex, kind in patterns:
        for match in _compiled(regex).finditer(text):
            if match.end() > match.start():
                found.append(Span(match.start(), match.end(), kind))
    return found


# --- all together -----------------------------------------------------------------------------


def _merge(spans: Sequence[Span]) -> list[Span]:
    """Overlapping spans become one span over all of them, with the kind of the longest: a name
    inside an address must not cut the address short (what is left would be published)."""
    merged: list[tuple[int, int, Span]] = []  # start, end, longest member
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if merged and span.start < merged[-1][1]:
            start, end, longest = merged[-1]
            if span.end - span.start > longest.end - longest.start:
                longest = span
            merged[-1] = (start, max(end, span.end), longest)
        else:
            merged.append((span.start, span.end, span))
    return [Span(start, end, longest.kind) for start, end, longest in merged]


def detect(
    text: str,
    *,
    names: Iterable[str] = (),
    patterns: Iterable[Pattern] | None = None,
    other_names: bool = True,
) -> list[Span]:
    """Proposed redactions in ``text``, sorted and non-overlapping.

    ``names`` are names of persons that must not be published (registry persons, interviewees'
    identities). ``patterns`` are extra ``(regex, kind)`` pairs; None means ``configured_patterns()``.
    ``other_names=False`` leaves out names nobody gave (airlock-pii's rules).
    """
    given = _given_names(text, names)
    found = _iins(text) + _phones(text) + _emails(text) + given
    found += _addresses(text) + _cell_dates(text) + _health(text)
    found += _patterns(text, configured_patterns() if patterns is None else patterns)
    if other_names:
        # A given name is found exactly; where the rules found one around it, they took a word
        # too many (a capitalized "Осуждённому Иванову"), so the given name's span stands.
        found += [
            s for s in _other_names(text) if not any(g.start < s.end and s.start < g.end for g in given)
        ]
    return _merge(found)
