"""Backups that restore: a consistent copy of a live database into one file, and that file put
back into an empty database.

SQLite is copied with its online backup API (sqlite3's `Connection.backup`): one step under a
read transaction, so the copy is the database as it stood at one moment while the service goes
on writing (WAL lets readers and the writer pass each other). PostgreSQL is dumped by `pg_dump`
in its custom format (alerts/storage/pg_tools.py), which reads from one snapshot too. Either way
the file holds the schema revision it was taken at; a restore refuses a database that holds any
row, a backup newer than this code, and a backup of the other backend."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from alerts.storage import pg_tools
from alerts.storage.database import make_engine, normalize_url
from alerts.storage.models import Base
from alerts.storage.refused import BackupRefused
from alerts.storage.schema_head import SchemaState, revision_at

Backend = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
KEPT_OUT = {"alembic_version"}  # a table whose rows do not make a database "not empty"


@dataclass(frozen=True)
class Done:
    """What a backup or restore did: the file, the backend, and the schema it carries."""

    path: Path
    backend: Backend
    schema: SchemaState
    size: int = field(default=0)


def backend_of(url: str) -> Backend:
    """The backend behind a database URL; refuse one we cannot back up."""
    name = make_url(normalize_url(url)).get_backend_name()
    if name in ("sqlite", "postgresql"):
        return "sqlite" if name == "sqlite" else "postgresql"
    raise BackupRefused("unsupported", backend=name)


def back_up(url: str, target: Path) -> Done:
    """Copy the database at `url` into the new file `target` (readable by its owner only)."""
    backend = backend_of(url)
    if backend == "postgresql":
        pg_tools.require("pg_dump")
    if target.exists():
        raise BackupRefused("target_exists", file=target)
    if not target.parent.is_dir():
        raise BackupRefused("no_directory", directory=target.parent)
    revision = _revision(url, backend)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        if backend == "sqlite":
            _copy_sqlite(_sqlite_path(url), partial)
        else:
            pg_tools.dump(url, partial)
        os.replace(partial, target)  # a half-written backup never bears the name asked for
    finally:
        partial.unlink(missing_ok=True)
    from alerts.storage.revisions import state_of  # alembic, loaded only to back up or restore

    return Done(target, backend, state_of(revision), target.stat().st_size)


def _revision(url: str, backend: Backend) -> str:
    """The revision of the database to back up; refuse one without Jibao's schema."""
    if backend == "sqlite" and not _sqlite_path(url).is_file():
        raise BackupRefused("no_database", file=_sqlite_path(url))
    revision = revision_at(url)
    if revision is None:
        raise BackupRefused("not_migrated")
    return revision


def _copy_sqlite(source: Path, target: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(source)) as live,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)  # all pages in one step: the database as at one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def restore(url: str, source: Path) -> Done:
    """Put the backup `source` into the empty database at `url`."""
    backend = backend_of(url)
    kind = _kind_of(source)
    if kind != backend:
        raise BackupRefused("wrong_backend", file=source, kind=kind, backend=backend)
    if backend == "postgresql":
        pg_tools.require("pg_restore")
    revision = _sqlite_revision(source) if kind == "sqlite" else pg_tools.dump_revision(source)
    from alerts.storage.revisions import state_of  # alembic, loaded only to back up or restore

    schema = state_of(revision)
    if schema.standing == "ahead":
        raise BackupRefused("backup_ahead", file=source, revision=revision, head=schema.head)
    if backend == "sqlite":
        _restore_sqlite(source, _sqlite_path(url))
    else:
        _refuse_unless_empty(url)
        _drop_empty_tables(url)
        pg_tools.restore(url, source)
    return Done(source, backend, schema, source.stat().st_size)


def _kind_of(source: Path) -> Backend:
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupRefused("no_file", file=source) from None
    except OSError as exc:
        raise BackupRefused("unreadable", file=source, detail=exc.strerror) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(pg_tools.DUMP_MAGIC):
        return "postgresql"
    raise BackupRefused("not_backup", file=source)


def _sqlite_revision(source: Path) -> str:
    """The revision a SQLite backup holds, after checking the file is whole."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as copy:
            (check,) = copy.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise BackupRefused("damaged", file=source, detail=check)
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused("damaged", file=source, detail=str(exc)) from None
    if row is None:
        raise BackupRefused("not_backup", file=source)
    return str(row[0])


def _restore_sqlite(source: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupRefused("no_directory", directory=target.parent)
    if target.exists():
        _refuse_unless_empty(f"sqlite:///{target}")
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup,
        contextlib.closing(sqlite3.connect(target)) as database,
    ):
        backup.backup(database)  # replaces every page of the (empty) target
        database.execute("PRAGMA journal_mode=WAL")


def _refuse_unless_empty(url: str) -> None:
    """Refuse a database in which any table (but alembic_version) holds a row."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            for name in sorted(set(sa.inspect(connection).get_table_names()) - KEPT_OUT):
                count = connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                if count:
                    raise BackupRefused("not_empty", table=name, rows=count)
    except sa.exc.DatabaseError as exc:
        # SQLite's "file is not a database"; an unreachable server is the caller's to explain
        if engine.dialect.name != "sqlite" or isinstance(exc, sa.exc.OperationalError):
            raise
        raise BackupRefused("target_not_database", file=_sqlite_path(url)) from exc
    finally:
        engine.dispose()


def _drop_empty_tables(url: str) -> None:
    """Drop Jibao's (empty) tables from a PostgreSQL database migrated before the restore, so
    the dump can create them as they were, at its own revision."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            present = set(sa.inspect(connection).get_table_names())
            Base.metadata.drop_all(connection, checkfirst=True)
            if "alembic_version" in present:
                connection.execute(sa.text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupRefused("sqlite_file_only", url=url)
    return Path(database)
