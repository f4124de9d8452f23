"""What every value on the wire must keep: ids the database can hold, times it can store, and
JSON bodies small and shallow enough to parse (read by hand where a route keeps the raw bytes)."""

from __future__ import annotations

import json
import re
from typing import Any

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
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: the usual body, at C speed
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


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) once it passes `limit` bytes, declared or sent."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def read_json(raw: bytes) -> Any:
    """The JSON value of a raw body; 422 `too_deep` or `bad_json` (NaN and Infinity too)."""
    if too_deep(raw):  # also without a JSON content type, which JsonGuard leaves alone
        raise ApiError(422, "too_deep")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(422, "bad_json") from exc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity would poison JSON columns
