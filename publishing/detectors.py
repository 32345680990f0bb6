"""Detectors that propose redactions in a report's text (a first, regex-only set; see
docs/decisions/0008-publishing.md for the evaluation of existing detectors).

``detect(text, names=...)`` returns non-overlapping spans, each with the kind of data found. The
editor accepts or rejects each proposal; nothing is removed without a person's decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+7|8)[\s(-]*7\d{2}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def _names(text: str, names: Iterable[str]) -> list[Span]:
    spans = []
    for name in {n.strip() for n in names if n and len(n.strip()) >= 3}:
        for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, flags=re.IGNORECASE):
            spans.append(Span(match.start(), match.end(), "person_name"))
    return spans


def detect(text: str, *, names: Iterable[str] = ()) -> list[Span]:
    """Proposed redactions in ``text``: IINs, phone numbers, e-mail addresses and the given names
    (persons of the registry, interviewees' identities). Overlapping finds keep the longest."""
    found = [Span(m.start(), m.end(), "iin") for m in IIN.finditer(text)]
    found += [Span(m.start(), m.end(), "phone") for m in PHONE.finditer(text)]
    found += [Span(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    found += _names(text, names)
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in found:
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept
