"""Databases of their own for tests that need more than the shared one: an empty SQLite file,
or a PostgreSQL database made for the test and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL


@contextmanager
def fresh_database(backend: str, directory: Path, name: str = "fresh") -> Iterator[str]:
    """The URL of a database with no tables yet on `backend` ("sqlite" or "postgres")."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{name}.db'}"
        return
    assert POSTGRES_URL, "JIBAO_TEST_POSTGRES_URL is not set"
    database = f"jibao_{name}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        yield make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
