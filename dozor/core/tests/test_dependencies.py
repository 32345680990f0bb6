"""The dependency files agree: every import is declared in pyproject.toml, every direct pin is the
locked version, and every locked package carries hashes (docs/operations.md, "Dependencies")."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "dozor"
# Imported on purpose without being a dependency, and why.
UNDECLARED = {
    "kz_iin_validator": "compared by publishing/tests/evaluate_detectors.py, run in a scratch venv",
}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return normal(match.group())


def project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        name, sep, version = requirement.partition("==")
        assert sep, f"{requirement}: direct dependencies are pinned with =="
        found[requirement_name(name)] = version.strip()
    return found


def lock(name: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of requirements/<name>.lock."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / name).read_text("utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
            continue
        requirement = stripped.removesuffix("\\").strip()
        package, sep, version = requirement.partition("==")
        assert sep and ";" not in version, f"{name}: {line!r} is not pinned with =="
        current = normal(package)
        assert current not in entries, f"{name}: {package} twice"
        entries[current] = (version, 0)
    return entries


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    # _typeshed: the type checkers' own stub module, imported under TYPE_CHECKING only.
    return modules - set(sys.stdlib_module_names) - {"dozor", "__future__", "_typeshed"}


def test_every_locked_package_has_hashes_and_a_single_pin() -> None:
    base, dev = lock("base.lock"), lock("dev.lock")
    for name, (version, hashes) in {**base, **dev}.items():
        assert version and hashes >= 1, f"{name} has no hash"
    assert not set(base) & set(dev), "dev.lock holds only what base.lock does not"


def test_direct_dependencies_are_pinned_at_the_locked_version() -> None:
    base, dev = lock("base.lock"), lock("dev.lock")
    for name, version in pins(project()["dependencies"]).items():
        assert base.get(name, ("missing",))[0] == version, (
            f"{name}: pyproject {version}, base.lock {base.get(name)}"
        )
    for name, version in pins(project()["optional-dependencies"]["dev"]).items():
        assert dev.get(name, ("missing",))[0] == version, (
            f"{name}: pyproject {version}, dev.lock {dev.get(name)}"
        )


def test_every_third_party_import_is_declared() -> None:
    """Application code may import only runtime dependencies; tests also the dev ones."""
    runtime = set(pins(project()["dependencies"]))
    dev = set(pins(project()["optional-dependencies"]["dev"]))
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for path in sorted(PACKAGE.rglob("*.py")):
        in_tests = "tests" in path.relative_to(PACKAGE).parts or path.name == "conftest.py"
        allowed = runtime | dev if in_tests else runtime
        for module in imported_modules(path) - set(UNDECLARED) - {"conftest"}:
            names = {normal(name) for name in distributions.get(module, [])}
            if not names & allowed:
                undeclared.append(f"{path.relative_to(ROOT)}: {module} ({', '.join(sorted(names)) or '?'})")
    assert undeclared == []
