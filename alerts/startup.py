"""Checks before a command touches the database, and start-up failures in one line of words."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from alerts.i18n import Translator
from alerts.storage.database import normalize_url
from alerts.storage.schema_head import HEAD_REVISION, SchemaState, current_state, revision_at


class StartupError(Exception):
    """A reason not to start, already in words: one line naming the cause and what to do."""


def shown_url(url: str) -> str:
    """The URL without its password, also when it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def check_url(url: str, translate: Translator) -> None:
    """Raise StartupError unless `url` parses and names a driver that is installed."""
    try:
        parsed = make_url(normalize_url(url))
        parsed.get_dialect().import_dbapi()
        _ = parsed.port  # a port that is not a number fails only here
    except (ArgumentError, ValueError, ImportError) as exc:
        detail = _first_line(exc)
        line = translate("startup.db_bad_url", url=shown_url(url), detail=detail)
        raise StartupError(line) from exc


def database_schema(url: str) -> SchemaState:
    """Where the database at `url` stands against this code's migrations; a SQLite file that
    does not exist is a database never migrated (and is not created by asking). A current
    schema is told without loading alembic (alerts/storage/schema_head.py)."""
    parsed = make_url(normalize_url(url))
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    current = None
    if file in (None, "", ":memory:") or Path(str(file)).exists():
        current = revision_at(url)
    if current == HEAD_REVISION:
        return current_state()
    from alerts.storage.revisions import state_of  # alembic's scripts tell what is missing

    return state_of(current)


def check_schema(url: str, translate: Translator) -> None:
    """Raise StartupError unless the database is reachable and at the newest migration; a schema
    newer than this code is named as such (migrating would not help)."""
    state = database_schema(url)
    if state.standing == "ahead":
        raise StartupError(schema_ahead(state, url, translate))
    if state.standing != "current":
        raise StartupError(translate("startup.db_not_migrated", url=shown_url(url)))


def schema_ahead(state: SchemaState, url: str, translate: Translator) -> str:
    """The one line for a database written by a newer Jibao."""
    return translate("startup.db_ahead", url=shown_url(url), current=state.current, head=state.head)


def explain(exc: Exception, url: str, translate: Translator) -> str:
    """One line for a failure that escaped a command: the database's own words when it is one."""
    if isinstance(exc, OperationalError | InterfaceError):
        detail = _first_line(exc.orig if exc.orig is not None else exc)
        return translate("startup.db_unreachable", url=shown_url(url), detail=detail)
    detail = f"{type(exc).__name__}: {_first_line(exc)}"
    return translate("startup.unexpected", detail=detail) + translate("startup.debug_hint")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
