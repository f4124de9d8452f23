"""`jibao doctor`'s checks of the set-up itself: config.toml (the strict checker), the secret key,
the database (its URL, whether it answers, its schema revision) and the clock against the
database's. Each returns findings; none raises for what it was asked to look at."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from alerts.cli.findings import Finding, note, ok, problem, said
from alerts.config import MIN_SECRET_KEY, ConfigError, Settings, load_settings
from alerts.config_sources import DATABASE_URL, SECRET_KEY
from alerts.i18n import Translator
from alerts.startup import StartupError, check_url, explain, schema_ahead, shown_url
from alerts.storage.database import make_engine, normalize_url

CLOCK_TOLERANCE = timedelta(seconds=5)  # due times and claim leases are counted in seconds
CONNECT_TIMEOUT = 5  # seconds, for a database that does not answer
DEFAULT_DATABASE = "sqlite:///./jibao.db"
Now = Callable[[], datetime]


def check_config(path: Path) -> tuple[Settings | None, str, list[Finding]]:
    """The settings (None when config.toml is wrong), the language to speak, the findings."""
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        # the secret's own check says the same of a short JIBAO_SECRET_KEY
        lines = [line for line in exc.lines if not line.startswith(SECRET_KEY)]
        return None, exc.language, [said("config", line) for line in lines]
    return settings, settings.language, [ok("config", "config_ok", file=path)]


def fallback_database_url(path: Path) -> str:
    """The database a broken config.toml still names (or the environment), to check it anyway."""
    if os.environ.get(DATABASE_URL):
        return os.environ[DATABASE_URL]
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("database_url")
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_DATABASE
    return value if isinstance(value, str) else DEFAULT_DATABASE


def check_secret(secret: str) -> list[Finding]:
    """JIBAO_SECRET_KEY: set, and long enough."""
    if not secret:
        return [problem("secret", "secret_unset", fix="secret")]
    if len(secret) < MIN_SECRET_KEY:
        return [problem("secret", "secret_short", fix="secret", length=len(secret))]
    return [ok("secret", "secret_ok", length=len(secret))]


def check_database(url: str, translate: Translator, now: Now) -> list[Finding]:
    """The URL, a connection, the schema revision, and the clock."""
    try:
        check_url(url, translate)
    except StartupError as exc:
        return [said("database", str(exc))]
    backend = make_url(normalize_url(url)).get_backend_name()
    if backend == "sqlite" and not _sqlite_file(url).is_file():
        return [problem("database", "no_sqlite_file", fix="migrate", file=_sqlite_file(url))]
    engine = _engine(url, backend)
    try:
        with engine.connect() as connection:
            found = [ok("database", "database_ok", url=shown_url(url))]
            found += _schema(engine, url, translate)
            return found + check_clock(connection, backend, now)
    except DBAPIError as exc:
        return [said("database", explain(exc, url, translate))]
    finally:
        engine.dispose()


def _engine(url: str, backend: str) -> sa.Engine:
    if backend == "postgresql":
        connect: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT}
        return sa.create_engine(normalize_url(url), connect_args=connect, poolclass=sa.NullPool)
    return make_engine(url)


def _sqlite_file(url: str) -> Path:
    return Path(make_url(url).database or "")


def _schema(engine: sa.Engine, url: str, translate: Translator) -> list[Finding]:
    from alerts.storage.revisions import schema_state  # alembic: loaded by the doctor only

    state = schema_state(engine)
    if state.standing == "current":
        return [ok("schema", "schema_current", head=state.head)]
    if state.standing == "ahead":
        return [said("schema", schema_ahead(state, url, translate))]
    if state.current is None:
        return [problem("schema", "schema_empty", fix="migrate", head=state.head)]
    return [
        problem("schema", "schema_behind", fix="migrate", current=state.current, head=state.head)
    ]


def check_clock(connection: sa.Connection, backend: str, now: Now) -> list[Finding]:
    """This machine's clock against the database server's (SQLite has no clock of its own)."""
    if backend == "sqlite":
        return [note("clock", "clock_same_machine")]
    before = now()
    database = connection.execute(sa.text("SELECT CURRENT_TIMESTAMP")).scalar_one()
    after = now()
    skew = database.astimezone(UTC) - (before + (after - before) / 2)
    seconds = round(skew.total_seconds(), 1)
    if abs(skew) > CLOCK_TOLERANCE:
        key = "clock_behind" if seconds > 0 else "clock_ahead"
        return [problem("clock", key, fix="clock", seconds=abs(seconds))]
    return [ok("clock", "clock_ok", milliseconds=round(abs(skew.total_seconds()) * 1000))]
