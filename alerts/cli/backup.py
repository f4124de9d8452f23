"""`jibao backup FILE` and `jibao restore FILE`: a consistent copy of the running database into a
new file, and a copy put back into an empty database (alerts/storage/backup.py does the work)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from alerts.config import Settings
from alerts.i18n import Translator
from alerts.startup import shown_url
from alerts.storage.backup import Done, back_up, restore
from alerts.storage.refused import BackupRefused

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def add_backup_commands(commands: Any) -> None:
    """Add `backup` and `restore` to the `jibao` parser."""
    backup = commands.add_parser(
        "backup", help="copy the database, while the service runs, into a new file"
    )
    backup.add_argument("file", help="the backup file to create (never overwritten)")
    backup.set_defaults(handler=_backup)
    put_back = commands.add_parser(
        "restore", help="put a backup into an empty database (refuses one that holds rows)"
    )
    put_back.add_argument("file", help="a file made by `jibao backup`")
    put_back.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    translate, url = Translator(settings.language), settings.database_url
    try:
        done = back_up(url, Path(args.file))
    except BackupRefused as refused:
        return _refused("backup.failed", refused, translate)
    print(
        translate(
            "backup.done",
            url=shown_url(url),
            revision=done.schema.current,
            file=done.path,
            size=_size(done),
        )
    )
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    translate, url = Translator(settings.language), settings.database_url
    try:
        done = restore(url, Path(args.file))
    except BackupRefused as refused:
        return _refused("backup.restore_failed", refused, translate)
    print(
        translate(
            "backup.restored", file=done.path, revision=done.schema.current, url=shown_url(url)
        )
    )
    if done.schema.standing == "current":
        print(translate("backup.restored_current"))
    else:
        print(translate("backup.restored_behind", head=done.schema.head))
    return 0


def _refused(label: str, refused: BackupRefused, translate: Translator) -> int:
    params = {
        name: BACKENDS.get(value, value) if name in ("kind", "backend") else value
        for name, value in refused.params.items()
    }
    print(translate(label) + translate(f"backup.{refused.key}", **params), file=sys.stderr)
    return 1


def _size(done: Done) -> str:
    """The file's size for people: 812 B, 296.0 KB, 1.4 GB."""
    if done.size < 1024:
        return f"{done.size} B"
    size, unit = done.size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"
