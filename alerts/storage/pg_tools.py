"""PostgreSQL's own tools, driven for backups: `pg_dump` in the custom format (one file,
compressed, read from one snapshot while the service writes) and `pg_restore` in one
transaction. The password goes to them in PGPASSWORD, never on a command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from alerts.storage.database import normalize_url
from alerts.storage.refused import BackupRefused

DUMP_MAGIC = b"PGDMP"
# the data of alembic_version as `pg_restore --data-only` prints it: the COPY line, then the row
_VERSION_ROW = re.compile(
    r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)$", re.M
)


def require(tool: str) -> str:
    """The path of `tool`; refuse when it is not on PATH."""
    found = shutil.which(tool)
    if found is None:
        raise BackupRefused("no_tool", tool=tool)
    return found


def connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    parsed = make_url(normalize_url(url))
    environ = dict(os.environ)
    if parsed.password is not None:
        environ["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), environ


def dump(url: str, target: Path) -> None:
    """`pg_dump --format=custom` of the database at `url` into `target`."""
    uri, environ = connection(url)
    _run([require("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={uri}"], environ)


def restore(url: str, source: Path) -> None:
    """`pg_restore` of `source` into the database at `url`, all or nothing."""
    uri, environ = connection(url)
    command = [
        require("pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",  # the objects belong to whoever restores, as on the machine dumped
        "--no-privileges",
        f"--dbname={uri}",
        str(source),
    ]
    _run(command, environ)


def dump_revision(source: Path) -> str:
    """The schema revision a custom-format dump holds (its alembic_version row)."""
    command = [require("pg_restore"), "--data-only", "--table=alembic_version", "--file=-"]
    text = _run([*command, str(source)], dict(os.environ))
    found = _VERSION_ROW.search(text)
    if found is None:
        raise BackupRefused("not_backup", file=source)
    return found.group(1)


def _run(command: list[str], environ: dict[str, str]) -> str:
    tool = Path(command[0]).name
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupRefused("tool_failed", tool=tool, detail=lines[0] if lines else done.returncode)
    return done.stdout
