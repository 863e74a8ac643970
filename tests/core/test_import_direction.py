"""Imports point one way: the engine (syncengine, connectors, mapping) never imports a feature app;
feature apps plug in through syncengine/extensions.py. And production never imports the development
tools or the sandboxes."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ("syncengine", "connectors", "mapping")
FEATURES = ("emails", "blocklists", "instant", "onboarding", "dashboard", "signin", "devtools", "sandbox")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_it_keeps_feature_apps_out_of_the_engines_imports():
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ENGINE
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        for name in _imports(path)
        if name.split(".")[0] in FEATURES
    )

    assert wrong == []


DEVELOPMENT_ONLY = ("devtools", "sandbox")


def _production_files() -> list[Path]:
    """Every module of the project's packages but the development ones and the tests (and manage.py)."""
    packages = [
        p
        for p in ROOT.iterdir()
        if (p / "__init__.py").exists() and p.name not in {*DEVELOPMENT_ONLY, "tests"}
    ]
    return [ROOT / "manage.py", *(path for p in packages for path in p.rglob("*.py"))]


def test_it_keeps_devtools_and_sandboxes_out_of_production_imports():
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _production_files()
        if "migrations" not in path.parts
        for name in _imports(path)
        if name.split(".")[0] in DEVELOPMENT_ONLY
    )

    assert wrong == []
