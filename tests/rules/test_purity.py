"""The rules engine is pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
MODULES = sorted(RULES_DIR.rglob("*.py"))


def _imported_roots(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level module) for every absolute import; relative imports stay in the package."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def test_there_are_rules_modules_to_check():
    names = {path.name for path in MODULES}
    assert {"model.py", "obligations.py", "ruleset.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_rules_module_imports_only_stdlib_and_rules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    allowed = set(sys.stdlib_module_names) | {"rules"}

    offending = [
        f"{path.name}:{line} imports {root}"
        for line, root in _imported_roots(tree)
        if root not in allowed
    ]

    assert offending == []


def test_the_checker_catches_a_third_party_import():
    tree = ast.parse("import json\nfrom sqlalchemy import select\nfrom . import model\n")

    roots = [root for _, root in _imported_roots(tree)]
    assert roots == ["json", "sqlalchemy"]
    assert "sqlalchemy" not in sys.stdlib_module_names
