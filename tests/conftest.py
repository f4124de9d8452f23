"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when
JIBAO_TEST_POSTGRES_URL is set), emptied before each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from alerts.storage.database import make_engine, migrate, normalize_url
from alerts.storage.models import Base
from tests.builders import close_clients
from tests.seeded_demo import SeededDemo, seed_demo

POSTGRES_URL = normalize_url(os.environ.get("JIBAO_TEST_POSTGRES_URL", "")) or None
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for the whole run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'jibao.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database made for this run, migrated, and dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("JIBAO_TEST_POSTGRES_URL is not set")
    name = f"jibao_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that asks for a database runs once per backend, on empty tables."""
    url: str = request.getfixturevalue(f"{request.param}_database")
    _empty(url)
    return url


def _empty(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> SeededDemo:
    """The demo county, seeded once for the whole run; tests use copies of it."""
    return seed_demo(tmp_path_factory.mktemp("seeded-demo"))


@pytest.fixture(autouse=True)
def _close_apps() -> Iterator[None]:
    yield
    close_clients()


@pytest.fixture
def artifacts() -> Path:
    """Where tests keep screenshots and other things a person should look at."""
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under CI=true nothing may be skipped: a skipped PostgreSQL or browser test is a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must run everything: {report.longrepr}"
