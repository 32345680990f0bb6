"""The keyboard focus ring stands out at least 3:1 against the white page (WCAG 1.4.11, issue 14
found 1.7:1), in the application (dozor.css, var(--focus)) and on the public portal (portal.css)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_CSS = ROOT / "web" / "static" / "web" / "dozor.css"
PORTAL_CSS = ROOT / "publishing" / "static" / "publishing" / "portal.css"
WHITE = "#ffffff"


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    dark, light = sorted([luminance(a), luminance(b)])
    return (light + 0.05) / (dark + 0.05)


def test_it_knows_the_contrast_of_black_on_white() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21)


def test_it_draws_the_application_focus_ring_at_3_to_1_on_white() -> None:
    css = APP_CSS.read_text()
    focus = re.search(r"--focus:\s*(#[0-9a-fA-F]{6})", css)
    assert focus and "outline: 3px solid var(--focus)" in css
    assert contrast(focus.group(1), WHITE) >= 3


def test_it_draws_the_portal_focus_ring_at_3_to_1_on_white() -> None:
    css = PORTAL_CSS.read_text()
    rule = re.search(r"a:focus-visible[^{]*\{[^}]*outline:\s*3px solid (#[0-9a-fA-F]{6})", css)
    assert rule is not None
    assert contrast(rule.group(1), WHITE) >= 3
