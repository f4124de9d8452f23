"""Why a backup or restore did not run, as a catalogue key and its parameters."""

from __future__ import annotations

from typing import Any


class BackupRefused(Exception):
    """A backup or restore refused before writing anything: the message is `backup.KEY` of the
    catalogue, filled with `params` (alerts/cli/backup.py shows it in the configured language)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
