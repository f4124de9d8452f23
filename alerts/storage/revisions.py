"""Where a database's schema stands against the migrations this code ships: its revision, the
head, and the steps between them, so `jibao migrate` can say what it will do and refuse a
schema newer than the code."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from alerts.storage.database import alembic_config
from alerts.storage.schema_head import SchemaState, Step, stored_revision


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest revision this code knows."""
    head = _scripts().get_current_head()
    assert head is not None, "the migrations have no head"
    return head


def known_revision(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def schema_state(engine: Engine) -> SchemaState:
    """Where the database behind `engine` stands; `ahead` when its revision is unknown here."""
    with engine.connect() as connection:
        current = stored_revision(connection)
    return state_of(current)


def state_of(current: str | None) -> SchemaState:
    """The standing of a database at revision `current` against this code's head."""
    scripts, head = _scripts(), head_revision()
    if current is not None and not known_revision(current):
        return SchemaState(current, head, (), "ahead")
    if current == head:
        return SchemaState(current, head, (), "current")
    steps = tuple(
        Step(script.revision, (script.doc or "").strip().splitlines()[0] if script.doc else "")
        for script in reversed(list(scripts.iterate_revisions(head, current)))
    )
    return SchemaState(current, head, steps, "empty" if current is None else "behind")
