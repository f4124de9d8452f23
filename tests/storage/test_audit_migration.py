"""Migration 0010 adds the configuration audit's one table and nothing else; down drops it (and
its rows) and leaves every other table as it was; up again works."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from alerts.storage.database import alembic_config, make_engine, migrate


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0010_adds_config_changes_only_and_goes_back(empty_url: str) -> None:
    migrate(empty_url, "0009")  # the revision 0010 follows (the findings')
    before = _tables(empty_url)
    migrate(empty_url, "0010")
    assert _tables(empty_url) - before == {"config_changes"}
    engine = make_engine(empty_url)
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("config_changes")}
    assert indexes == {"ix_config_changes_at", "ix_config_changes_entity_at"}
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO config_changes (at, actor, entity, entity_id, ref, action, changes)"
                " VALUES (:at, 'cli:root', 'unit', 1, 'qdh', 'create', '{}')"
            ),
            {"at": "2026-11-21 01:00:00"},
        )
    engine.dispose()
    command.downgrade(alembic_config(empty_url), "0009")
    assert _tables(empty_url) == before
    migrate(empty_url)
    assert "config_changes" in _tables(empty_url)
