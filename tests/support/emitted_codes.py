"""The codes the engine can put before a person, collected from the source (not from a hand list that
would only mirror the table): every string given as ``code=``, stored in a ``code`` variable or
attribute, compared with an ``.code``, named in a ``*_CODES`` set, or passed first to ``Problem`` /
``Notice``; module constants are followed to their value. Plus the reasons an item or an email is left
out (``scope.LEFT_OUT_WHY``, ``email_rules.Skip``)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from syncengine.core import email_rules, scope

ROOT = Path(__file__).resolve().parents[2]
# What runs in a session or a sign-in: the apps that raise, record or store codes.
EMITTERS = ("syncengine", "connectors", "emails", "instant", "onboarding", "mapping")
FIRST_ARGUMENT_IS_A_CODE = {"Problem", "Notice"}


def _files() -> list[Path]:
    return [
        path
        for package in EMITTERS
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def _constants(trees: list[ast.Module]) -> dict[str, str]:
    """Module-level ``NAME = "VALUE"`` across the emitters (the codes' constants)."""
    found: dict[str, str] = {}
    for tree in trees:
        for node in tree.body:
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
                continue
            if isinstance(node.value.value, str):
                found.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def _strings(node: ast.AST, constants: dict[str, str]) -> set[str]:
    """The strings an expression can evaluate to: constants and named constants, through ``or``,
    ``if``/``else``, ``str()`` and a lookup's default (``d.get("key", "DEFAULT")``), never the keys
    or separators a call is given, nor an f-string (a message, not a code)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name):
        return {constants[node.id]} if node.id in constants else set()
    if isinstance(node, ast.BoolOp):
        return set().union(*(_strings(v, constants) for v in node.values))
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) | _strings(node.orelse, constants)
    if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
        return set().union(set(), *(_strings(e, constants) for e in node.elts))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # set | set
        return _strings(node.left, constants) | _strings(node.right, constants)
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "str" and node.args:
            return _strings(node.args[0], constants)
        if name == "get" and len(node.args) > 1:
            return _strings(node.args[1], constants)
    return set()


def _is_code(target: ast.AST) -> bool:
    return (isinstance(target, ast.Name) and target.id == "code") or (
        isinstance(target, ast.Attribute) and target.attr == "code"
    )


def emitted_codes() -> set[str]:
    trees = [ast.parse(path.read_text(), filename=str(path)) for path in _files()]
    constants = _constants(trees)
    codes: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        codes |= _strings(keyword.value, constants)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in FIRST_ARGUMENT_IS_A_CODE and node.args:
                    codes |= _strings(node.args[0], constants)
            elif isinstance(node, ast.Assign):
                if any(_is_code(t) for t in node.targets):
                    codes |= _strings(node.value, constants)
                if any(isinstance(t, ast.Name) and t.id.endswith("_CODES") for t in node.targets):
                    codes |= _strings(node.value, constants)
            elif isinstance(node, ast.Compare) and _is_code(node.left):
                for comparator in node.comparators:
                    codes |= _strings(comparator, constants)
    return {c for c in codes if c}


def left_out_reasons() -> set[str]:
    return set(scope.LEFT_OUT_WHY)


def email_reasons() -> set[str]:
    """Why an email was left alone, or why it was saved (both are counted per session)."""
    return set(typing.get_args(email_rules.Skip)) | set(typing.get_args(email_rules.Reason))
