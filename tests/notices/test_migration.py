"""Migration 0013 (notices) down and up on a database with an approved notice: the table it
makes is the model's, on each backend; down drops the notices and keeps every other row; up
again makes the table empty, and what the notices were drafted from is a candidate again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from alerts.app import create_app
from alerts.storage.database import alembic_config, make_engine, migrate
from alerts.storage.models import Base
from tests.builders import close_clients, dry_notifiers, row_counts
from tests.conftest import BACKENDS
from tests.databases import fresh_database
from tests.notices.builders import approve, candidate, draft, late_and_missed, listed


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, on each backend."""
    with fresh_database(request.param, tmp_path, "notices") as url:
        yield url


def _drift(url: str) -> list[object]:
    """What differs between the migrated `notices` table and the model's."""
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        found = compare_metadata(context, Base.metadata)
    engine.dispose()

    def about_notices(diff: object) -> bool:
        return "notices" in repr(diff)

    return [d for d in found if about_notices(d)]


def test_0013_down_drops_the_notices_and_up_makes_the_table_again(empty_url: str) -> None:
    migrate(empty_url)
    assert _drift(empty_url) == []
    c, _, _ = late_and_missed(empty_url)
    source = candidate(c, "late")["source"]
    notice = draft(c, source).json()["id"]
    assert approve(c, notice).status_code == 200
    close_clients()
    counts = row_counts(empty_url)
    assert counts["notices"] == 1
    kept = {k: v for k, v in counts.items() if k != "notices"}

    command.downgrade(alembic_config(empty_url), "0012")
    engine = make_engine(empty_url)
    assert not sa.inspect(engine).has_table("notices")
    engine.dispose()

    migrate(empty_url)
    assert _drift(empty_url) == []
    again = row_counts(empty_url)
    assert again["notices"] == 0 and {k: v for k, v in again.items() if k != "notices"} == kept
    app = create_app(c.settings, clock=c.clock, notifiers=dry_notifiers(), run_scheduler=False)
    with TestClient(app) as client:  # the county's app again, on its database as it is now
        assert [s["source"] for s in listed(replace(c, client=client))["candidates"]] == [source]
