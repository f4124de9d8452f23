"""What every stored value must keep: ids the database can hold and times it can store, as
pydantic-annotated types shared by the API's models and the domain's inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

MAX_ROW_ID = 2**63 - 1  # a signed 64-bit integer: SQLite's and PostgreSQL's BIGINT
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

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
