"""The service tells a current schema without alembic (alerts/storage/schema_head.py): the head
it knows is the migrations' real head, and the revision it reads is the one alembic records."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext

from alerts.i18n import Translator
from alerts.startup import StartupError, check_schema, database_schema
from alerts.storage.database import make_engine, migrate
from alerts.storage.revisions import head_revision
from alerts.storage.schema_head import HEAD_REVISION, stored_revision


def test_the_known_head_is_the_migrations_head() -> None:
    assert head_revision() == HEAD_REVISION, "a migration was added: bump HEAD_REVISION"


def test_the_stored_revision_is_what_alembic_records(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            ours = stored_revision(connection)
            alembics = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    assert ours == alembics == HEAD_REVISION


def test_a_database_behind_or_never_migrated_is_told_as_such(tmp_path: Path) -> None:
    never = f"sqlite:///{tmp_path / 'never.db'}"
    make_engine(never).dispose()
    assert database_schema(never).standing == "empty"
    behind = f"sqlite:///{tmp_path / 'behind.db'}"
    migrate(behind, "0001")
    state = database_schema(behind)
    assert (state.standing, state.current, state.head) == ("behind", "0001", HEAD_REVISION)
    assert state.steps[0].revision == "0002"
    with pytest.raises(StartupError, match="migrate"):
        check_schema(behind, Translator("en"))
    migrate(behind)
    assert database_schema(behind).standing == "current"
