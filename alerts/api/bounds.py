"""What every value on the wire must keep: ids the database can hold, times it can store, and
JSON bodies shallow enough to parse."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import Request
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from alerts.api.errors import ApiError

MAX_ROW_ID = 2**63 - 1  # a signed 64-bit integer: SQLite's and PostgreSQL's BIGINT
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_JSON_DEPTH = 32  # the deepest body we define nests 3 levels

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]


def _in_span(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError("time_range", "time outside 1970-2099")
    return value


def _day_in_span(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise PydanticCustomError("time_range", "day outside 1970-2099")
    return value


WireTime = Annotated[AwareDatetime, AfterValidator(_in_span)]
WireDate = Annotated[date, AfterValidator(_day_in_span)]

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
