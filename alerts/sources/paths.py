"""Reading an alert by the paths a `[[sources]]` table names: a dotted path to a text, and a
field mapping (path or template, values, default) to the value it yields, or why none."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alerts.errors import FieldProblem, Invalid
from alerts.sources.settings import FieldMap, placeholders

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def join(where: str, path: str) -> str:
    """A path inside the body: `alerts.0` + `labels.severity`."""
    return f"{where}.{path}" if where and path else where or path


def value_at(data: Any, path: str) -> Any:
    """What `path` names in `data` (objects by key, arrays by index); None when nothing."""
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def text_at(data: Any, path: str, where: str) -> str | None:
    """The text at `path`: strings (trimmed), numbers and booleans as written; None when absent
    or empty; Invalid when the path names an object or an array."""
    value = value_at(data, path)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    if value is None:
        return None
    raise Invalid(FieldProblem(join(where, path), "source_not_text"))


@dataclass(frozen=True)
class Found:
    """What a mapping yields: `value` (None when nothing), the path it read or wanted, and the
    problem to name when the value was needed (`required`, or a value not in `values`)."""

    value: str | None
    path: str
    problem: str = "required"
    read: str | None = None  # the alert's own value, when `values` did not have it

    def needed(self, where: str) -> str:
        """The value; Invalid, naming the path in the body, when there is none."""
        if self.value is not None:
            return self.value
        params = {"value": self.read} if self.read is not None else {}
        raise Invalid(FieldProblem(join(where, self.path), self.problem, params))


def resolve(mapping: FieldMap, data: Any, where: str) -> Found:
    """The value `mapping` takes from one alert's `data`."""
    if mapping.template:
        texts: dict[str, str] = {}
        for path in placeholders(mapping.template):
            text = text_at(data, path, where)
            if text is None:
                return _fallback(mapping, Found(None, path))
            texts[path] = text
        value = _PLACEHOLDER.sub(lambda match: texts[match.group(1)], mapping.template)
        return _translated(mapping, Found(value, placeholders(mapping.template)[0]))
    for path in mapping.path:
        text = text_at(data, path, where)
        if text is not None:
            return _translated(mapping, Found(text, path))
    return _fallback(mapping, Found(None, mapping.path[0] if mapping.path else ""))


def _translated(mapping: FieldMap, found: Found) -> Found:
    if not mapping.values or found.value is None:
        return found
    if found.value in mapping.values:
        return Found(mapping.values[found.value], found.path)
    return _fallback(mapping, Found(None, found.path, "source_not_in_values", found.value))


def _fallback(mapping: FieldMap, missing: Found) -> Found:
    return Found(mapping.default, missing.path) if mapping.default else missing
