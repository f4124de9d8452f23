"""The demo county seeded once per test run (see the `seeded_demo` fixture in conftest.py), and
the copies of it that tests use: a test that changes the county changes only its own copy."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alerts.demo.seed import run_demo
from tests.builders import settings


@dataclass(frozen=True)
class SeededDemo:
    """A seeded demo county and the banner `jibao demo` printed for it (tokens, password, curl).

    Its file is reached only through `copy`, so no test can change the county another one sees."""

    _path: Path
    banner: str
    seeded_at: datetime  # when the seeding began: its history runs up to about then

    def copy(self, directory: Path) -> str:
        """A consistent copy of the seeded SQLite file in `directory`; its URL."""
        target = directory / "demo.db"
        with (
            contextlib.closing(sqlite3.connect(self._path)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return f"sqlite:///{target}"


def seed_demo(directory: Path) -> SeededDemo:
    """Seed the demo county into `directory` as `jibao demo --fresh` on port 0 does."""
    path = directory / "demo.db"
    seeded_at = datetime.now(UTC)
    banner = io.StringIO()
    with contextlib.redirect_stdout(banner):
        code = run_demo(settings(f"sqlite:///{path}"), host="127.0.0.1", port=0, fresh=True)
    assert code == 0, banner.getvalue()
    return SeededDemo(path, banner.getvalue(), seeded_at)
