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
    """The modules a file imports when it runs (imports for the type checker only left out)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
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


def test_it_keeps_the_mapping_tables_below_the_engine():
    """The engine reads its rules from mapping; mapping knows only the pure core's rule types."""
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "mapping").rglob("*.py")
        if "migrations" not in path.parts
        for name in _imports(path)
        if name.startswith("syncengine") and not name.startswith("syncengine.core")
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


def _is_test_module(name: str) -> bool:
    """A conftest or a test_ file under tests/: pytest loads those, nothing imports them."""
    parts = name.split(".")
    return parts[0] == "tests" and (parts[-1] == "conftest" or parts[-1].startswith("test_"))


def test_it_keeps_shared_test_helpers_out_of_conftest_and_test_files():
    """Helpers shared by tests live in tests/support; a test file or a conftest is never imported."""
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "tests").rglob("*.py")
        for name in _imports(path)
        if _is_test_module(name)
    )

    assert wrong == []
