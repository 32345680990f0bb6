"""The `dozor` console command lists and runs Dozor's commands with the right settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("dozor", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "dozor.cli"]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_help_lists_dozors_commands():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    for command in ("pack", "demo", "generate"):
        assert f"  {command} " in result.stdout
    assert "Django commands" in result.stdout


def test_every_command_has_help():
    for command in ("pack", "demo", "generate"):
        result = run(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_pack_check_reports_a_valid_pack():
    result = run("pack", "check", "kz")
    assert result.returncode == 0, result.stderr
    assert "kz" in result.stdout
