"""CallerCache: which unit a bearer token names, kept a few seconds so a busy webhook does not
look the token up on every filing."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from alerts.storage.models import Unit
from alerts.storage.queries import unit_by_token


class CallerCache:
    """Token → the unit and its ancestors, kept for `ttl` seconds so a busy webhook does not
    look them up on every filing. A revoked token therefore works up to `ttl` longer
    (docs/decisions/0004-caller-cache.md); `clear` forgets everything at once."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, list[Unit]]] = {}

    def units(self, session: Session, token: str) -> list[Unit] | None:
        """The caller and its ancestors, attached to `session`, or None for a bad token."""
        entry = self._entries.get(token)
        if entry is None or entry[0] < time.monotonic():
            unit = unit_by_token(session, token=token)
            if unit is None:
                return None
            entry = (time.monotonic() + self.ttl, _with_ancestors(session, unit))
            self._entries[token] = entry
            if len(self._entries) > 10_000:  # bounded: forget the oldest half
                for key in list(self._entries)[:5_000]:
                    del self._entries[key]
            return entry[1]
        # merge without loading: the cached rows enter this session's identity map, so
        # session.get(Unit, parent_id) finds the office without a query
        return [session.merge(unit, load=False) for unit in entry[1]]

    def clear(self) -> None:
        """Forget every cached token (after a revocation, say)."""
        self._entries.clear()


def _with_ancestors(session: Session, unit: Unit) -> list[Unit]:
    chain, seen = [unit], {unit.id}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        parent = session.get(Unit, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
    return chain
