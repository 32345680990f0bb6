"""Line-based differences between two texts of a report, section by section (``difflib``).

The result is data, not HTML: templates mark removed and added lines (and, inside a changed line,
the words that changed) with ``<del>`` / ``<ins>`` and classes, escaping every piece of text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

CONTEXT = 3  # unchanged lines shown around each change
_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass
class Segment:
    text: str
    changed: bool = False


@dataclass
class Row:
    """One line of the diff table. ``kind``: equal, removed, added, changed (a line replaced by
    another: both sides are set, with the changed words marked) or skip (unchanged lines left out)."""

    kind: str
    old_number: int | None = None
    new_number: int | None = None
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)


@dataclass
class SectionDiff:
    key: str
    title: str
    rows: list[Row]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _inline(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """The two lines split into segments, the words that differ marked as changed."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), changed=tag != "equal"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), changed=tag != "equal"))
    return left, right


def text_diff(old: str, new: str, *, context: int | None = CONTEXT) -> tuple[list[Row], int, int]:
    """Rows of the diff of two texts, and the numbers of lines added and removed.

    With ``context`` only that many unchanged lines are kept around each change (the rest become
    ``skip`` rows); with ``None`` every line is kept."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    groups: list[list[tuple[str, int, int, int, int]]] = (
        [list(matcher.get_opcodes())]
        if context is None
        else [list(g) for g in matcher.get_grouped_opcodes(context)]
    )
    rows: list[Row] = []
    added = removed = 0
    for n, group in enumerate(groups):
        if context is not None and (n > 0 or group[0][1] > 0):
            rows.append(Row(kind="skip"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    Row("equal", i + 1, j + 1, [Segment(a[i])], [Segment(b[j])])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            removed += i2 - i1
            added += j2 - j1
            pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for k in range(pairs):
                left, right = _inline(a[i1 + k], b[j1 + k])
                rows.append(Row("changed", i1 + k + 1, j1 + k + 1, left, right))
            rows += [
                Row("removed", old_number=i + 1, old=[Segment(a[i], True)]) for i in range(i1 + pairs, i2)
            ]
            rows += [Row("added", new_number=j + 1, new=[Segment(b[j], True)]) for j in range(j1 + pairs, j2)]
    if context is not None and groups and groups[-1][-1][2] < len(a):
        rows.append(Row(kind="skip"))
    return (rows if added or removed else []), added, removed


def version_diff(
    old_content: Mapping[str, str],
    new_content: Mapping[str, str],
    titles: Mapping[str, str] | None = None,
    *,
    context: int | None = CONTEXT,
) -> list[SectionDiff]:
    """The diff of two report texts (plain text by section key, as versions store them), one entry
    per section in the order of ``titles`` (then any other key, in the order met)."""
    keys = list(titles or {})
    keys += [key for key in [*old_content, *new_content] if key not in keys]
    result = []
    for key in keys:
        rows, added, removed = text_diff(old_content.get(key, ""), new_content.get(key, ""), context=context)
        result.append(
            SectionDiff(key=key, title=(titles or {}).get(key, key), rows=rows, added=added, removed=removed)
        )
    return result
