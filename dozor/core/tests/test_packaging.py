"""``pip install .`` installs exactly one top-level package, ``dozor``, with the templates and
static files of every app and feature folder. (The wheel is built as ``make`` installs the project:
pip fetches the build backend from the package index.)"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_package(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("dozor-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top == {"dozor"}
    templates = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "dozor").rglob("templates/**/*.html"))
    assert templates and set(templates) <= set(names)
