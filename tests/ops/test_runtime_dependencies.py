"""What the service imports is installed by `pip install -e .` alone (the README's run
command), not only by the test extra: every third-party module that alerts/, notifiers/ and
rules/ import comes from a distribution in the closure of pyproject's `dependencies`."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OURS = {"alerts", "notifiers", "rules"}


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements install, with their own requirements (no extras
    beyond those named)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = _name(requirement.name)
        extras = {(key, extra) for extra in requirement.extras}
        if key in seen and not extras:
            continue
        seen.add(key)
        for line in metadata.requires(requirement.name) or []:
            nested = Requirement(line)
            marker = nested.marker
            wanted = (
                marker is None
                or marker.evaluate({"extra": ""})
                or any(marker.evaluate({"extra": extra}) for extra in requirement.extras)
            )
            if wanted:
                nested.marker = None
                todo.append(nested)
    return seen


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names) - {"__future__"}


def test_every_module_the_service_imports_is_a_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _closure(project["dependencies"])
    providers = metadata.packages_distributions()
    missing = {
        module: providers.get(module, [])
        for module in _imported_modules()
        if not any(_name(dist) in installed for dist in providers.get(module, []))
    }
    assert not missing, f"imported by the service but installed only for tests: {missing}"
