"""The newest migration this code ships, and a database's recorded revision, without alembic.

Starting the service only needs to know the schema is current; alembic's script machinery costs
about 11 MiB resident for the life of the process (bench/idle_memory.py), so it is loaded only
when the schema is not current or a command migrates (alerts/storage/revisions.py).
tests/storage/test_schema_head.py holds HEAD_REVISION to the migrations' real head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, inspect, text

from alerts.storage.database import make_engine

HEAD_REVISION = "0016"
VERSION_TABLE = "alembic_version"  # alembic's own table, one row: the revision applied

Standing = Literal["empty", "behind", "current", "ahead"]


@dataclass(frozen=True)
class Step:
    """One migration: its revision and the first line of its docstring."""

    revision: str
    title: str


@dataclass(frozen=True)
class SchemaState:
    """A database's revision (None: never migrated), the code's head, and the steps from one to
    the other (oldest first; empty when current or ahead)."""

    current: str | None
    head: str
    steps: tuple[Step, ...]
    standing: Standing


def stored_revision(connection: Connection) -> str | None:
    """The revision alembic_version records, or None when the database was never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revision = connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return None if revision is None else str(revision)


def revision_at(url: str) -> str | None:
    """The revision the database at `url` records, read over a connection of its own."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return stored_revision(connection)
    finally:
        engine.dispose()


def current_state() -> SchemaState:
    """The standing of a database at the head."""
    return SchemaState(HEAD_REVISION, HEAD_REVISION, (), "current")
