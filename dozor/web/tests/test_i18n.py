"""Catalogues: ru and kk are complete and not stale; pages render in all three languages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from dozor.core.tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[3]
LANGS = ("ru", "kk")


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang):
    po = catalogue(lang)
    untranslated = [e.msgid for e in po if e.obsolete is False and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [], f"{lang}: untranslated {untranslated[:10]}"
    assert fuzzy == [], f"{lang}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang):
    import re

    pattern = re.compile(r"%\(\w+\)s|\{\{ ?\w+ ?\}\}|%s")
    for entry in catalogue(lang):
        if entry.msgid_plural:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid


def test_catalogues_are_not_stale(tmp_path):
    """Regenerating the catalogues from the code finds no message missing from them."""
    require_tool("xgettext", package="gettext")
    work = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv", "var", "test-artifacts", ".git", "*.mo", "__pycache__", "node_modules"
    )
    shutil.copytree(ROOT, work, ignore=ignore)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "ru",
            "-l",
            "kk",
            "--no-obsolete",
            "--no-location",
            "--ignore",
            "test-artifacts/*",
            "--ignore",
            "*/tests/*",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "dozor.settings",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(work),
            "DOZOR_VAR_DIR": str(tmp_path / "var"),
        },
    )
    for lang in LANGS:
        fresh = {e.msgid for e in polib.pofile(str(work / "locale" / lang / "LC_MESSAGES" / "django.po"))}
        committed = {e.msgid for e in catalogue(lang)}
        missing = sorted(fresh - committed)
        assert missing == [], f"{lang}: run `make messages-update`; not in the catalogue: {missing[:10]}"


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "word"), [("kk", "Тізілім"), ("ru", "Реестр"), ("en", "Registry")])
def test_pages_render_in_each_language(as_coordinator, lang, word):
    as_coordinator.post(reverse("set_language"), {"language": lang, "next": "/"})
    response = as_coordinator.get(reverse("facilities:list"))
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert word in html
