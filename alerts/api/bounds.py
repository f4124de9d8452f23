"""What every value on the wire must keep: ids the database can hold, times it can store, and
JSON bodies shallow enough to parse."""

from __future__ import annotations

import re

from fastapi import Request

from alerts.api.errors import ApiError
from alerts.storage.bounds import MAX_ROW_ID
from alerts.storage.bounds import RowId as RowId
from alerts.storage.bounds import WireDate as WireDate
from alerts.storage.bounds import WireTime as WireTime

MAX_JSON_DEPTH = 32  # the deepest body we define nests 3 levels

# A string (escapes included) or a bracket; brackets inside strings do not nest.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `raw` nest deeper than `limit`, found without parsing it
    (the parser itself recurses, and a RecursionError is a 500)."""
    depth = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


async def path_ids_exist(request: Request) -> None:
    """Every route's dependency: a path id no row can have names nothing (404), before the
    database is asked about it (a 64-bit column overflows on it)."""
    for name, value in request.path_params.items():
        try:
            number = int(str(value).strip())  # as loose as any parser of the id can be
        except ValueError:
            continue
        if name.endswith("_id") and not 1 <= number <= MAX_ROW_ID:
            raise ApiError(404, "not_found")
