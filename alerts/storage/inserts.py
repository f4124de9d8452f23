"""Rows inserted with SQLAlchemy Core instead of the unit of work, then attached to the session as
persistent objects without a query: on the filing path a flush, or an ORM INSERT … RETURNING that
builds its objects from the returned rows, costs several times the statement itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, make_transient_to_detached

from alerts.storage.base import Base

R = TypeVar("R", bound=Base)


def inserted(session: Session, model: type[R], values: dict[str, Any]) -> R:
    """One new `model` row with `values`, as a persistent object."""
    return inserted_all(session, model, [values])[0]


def inserted_all(session: Session, model: type[R], rows: Sequence[dict[str, Any]]) -> list[R]:
    """New `model` rows, as persistent objects in the order given (one INSERT each: SQLite
    returns the ids of a multi-row INSERT in no promised order)."""
    table: Table = model.__table__  # type: ignore[assignment]
    statement = insert(table).returning(table.c.id)
    return [
        _attached(session, model, table, values, session.execute(statement, values).scalar_one())
        for values in rows
    ]


def _attached(
    session: Session, model: type[R], table: Table, values: dict[str, Any], row_id: int
) -> R:
    """The object the row now is: every column as stored (the defaults Core applied as well),
    attached under its identity, so reading it later needs no SELECT."""
    stored = {c.key: _default(c) for c in table.columns if c.key not in values}
    row = model(**stored, **values)
    row.id = row_id  # type: ignore[attr-defined]
    make_transient_to_detached(row)
    session.add(row)
    return row


def _default(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg
