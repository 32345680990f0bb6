"""The house rules that import-linter cannot see (docs/architecture.md): the layers contract
covers every app, no lower app calls a higher one through a registry of callbacks, and an
``AppConfig.ready()`` touches only its own app (no views, no other app's registries)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import dozor

ROOT = Path(dozor.__file__).resolve().parent
PYPROJECT = ROOT.parent / "pyproject.toml"


def _sources() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py") if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_the_layers_contract_covers_every_app() -> None:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    assert config["root_packages"] == ["dozor"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    assert contract["containers"] == ["dozor"]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    apps = {name.removeprefix("dozor.") for name in dozor.APPS if name != "dozor"}
    assert apps <= layered, f"apps missing from the layers contract: {sorted(apps - layered)}"


def test_no_app_keeps_a_registry_of_callbacks() -> None:
    """A ``register_*`` function is how a lower app used to let a higher one plug code into it
    (risk sources, visit page sections, report recommendations). Compose from above instead."""
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("register"):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}")
    assert offenders == []


def test_app_configs_import_only_their_own_app() -> None:
    offenders = []
    for path in ROOT.glob("*/apps.py"):
        app = f"dozor.{path.parent.name}"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dozor"):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                if not node.module.startswith(app) or any(
                    part in ("views", "urls") for name in names for part in name.split(".")
                ):
                    offenders.append(f"{path.relative_to(ROOT.parent)}: from {node.module} import ...")
    assert offenders == []
