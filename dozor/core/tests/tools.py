"""System tools a few tests need beyond Python (docs/operations.md, "What the tests need").

Locally a test that needs Chromium or LibreOffice is skipped, with the reason, when the tool is
missing, so ``make test`` passes on a machine with only what the README lists. ``.ci/run`` sets
``DOZOR_REQUIRE_SYSTEM_TOOLS=1``: there a missing tool fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRED = os.environ.get("DOZOR_REQUIRE_SYSTEM_TOOLS", "") == "1"


def tool_path(name: str, *candidates: str) -> str | None:
    for candidate in candidates:
        if Path(candidate).exists():
            return candidate
    return shutil.which(name)


def require_tool(name: str, *candidates: str, package: str) -> str:
    """The tool's path; otherwise skip (locally) or fail (CI) naming the Debian package."""
    path = tool_path(name, *candidates)
    if path is None:
        message = f"{name} is not installed (Debian package {package}; see README)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path
