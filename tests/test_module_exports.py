"""Every ``__all__`` under app/ is true: each name exists, and each public function or class the
module defines at top level is listed (a stale list hides what a module offers, or names what is gone)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets):
            return list(ast.literal_eval(value))
    return None


def _top_level_names(body: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """(every name bound at top level, the public functions and classes defined there)."""
    bound: set[str] = set()
    defined: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            if not node.name.startswith("_"):
                defined.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                bound.update(name.id for name in ast.walk(target) if isinstance(name, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.If | ast.Try):  # if TYPE_CHECKING: ..., try: import ... except: ...
            branches = [node.body, node.orelse]
            if isinstance(node, ast.Try):
                branches += [handler.body for handler in node.handlers] + [node.finalbody]
            for branch in branches:
                bound |= _top_level_names(branch)[0]
    return bound, defined


def _modules_with_all() -> dict[str, tuple[list[str], set[str], set[str]]]:
    found = {}
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        listed = _declared_all(tree)
        if listed is not None:
            bound, defined = _top_level_names(tree.body)
            found[str(path.relative_to(ROOT))] = (listed, bound, defined)
    return found


def test_there_are_modules_with_all() -> None:
    assert len(_modules_with_all()) >= 20


def test_every_listed_name_exists() -> None:
    missing = {
        module: sorted(set(listed) - bound)
        for module, (listed, bound, _) in _modules_with_all().items()
        if set(listed) - bound
    }
    assert missing == {}


def test_every_public_function_and_class_is_listed() -> None:
    unlisted = {
        module: sorted(defined - set(listed))
        for module, (listed, _, defined) in _modules_with_all().items()
        if defined - set(listed)
    }
    assert unlisted == {}


def test_no_name_is_listed_twice() -> None:
    doubled = {
        module: listed for module, (listed, _, _) in _modules_with_all().items() if len(set(listed)) != len(listed)
    }
    assert doubled == {}
