"""The audit of configuration: each change to a unit, person, API token, dashboard user or roster
entry (rotation, assignment, special period, swap, a month's import) becomes one ConfigChange row
saying who, when, what and which fields went from what to what.

`record` adds the row to the caller's session and never commits, so it lands with the change or
not at all: a refused change, rolled back, leaves no row. Secrets (password hashes, token hashes,
signing secrets) are written only as "changed", never their values. Who is a string: the
dashboard user (`dashboard:NAME`), the API caller (`api:UNIT`) or the CLI's OS user
(`cli:NAME`)."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from alerts.storage import models as m

ENTITIES = (
    "unit",
    "person",
    "token",
    "user",
    "rotation",
    "assignment",
    "special_period",
    "swap",
    "roster_import",
)
ACTIONS = (
    "create",
    "update",
    "delete",
    "disable",
    "enable",
    "revoke",
    "approve",
    "reject",
    "import",
)
CHANGED = "changed"  # what a secret's diff says instead of its values
SECRETS = frozenset({"password_hash", "token_hash", "signing_secret"})
# kept out of the diff: the key, the row's own timestamp, values derived from another field, and
# sign-in bookkeeping that is no one's configuration
_SKIPPED = frozenset(
    {"id", "created_at", "phone_e164", "phone_extension", "failed_logins", "locked_until"}
)
_ENTITY_OF: dict[type[m.Base], str] = {
    m.Unit: "unit",
    m.Person: "person",
    m.UnitToken: "token",
    m.User: "user",
    m.Rotation: "rotation",
    m.RosterShift: "assignment",
    m.SpecialPeriod: "special_period",
    m.SwapRequest: "swap",
}
Snapshot = dict[str, Any]


def dashboard_actor(username: str) -> str:
    """Who, for a change made by a signed-in dashboard user."""
    return f"dashboard:{username}"


def api_actor(caller: m.Unit) -> str:
    """Who, for a change made with a unit's API token."""
    return f"api:{caller.code}"


def cli_actor() -> str:
    """Who, for a change made with the `jibao` command: the operating-system user."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        name = "unknown"
    return f"cli:{name}"


def snapshot(row: m.Base) -> Snapshot:
    """The row's recorded fields as JSON values (secrets included: `diff` hides them)."""
    columns = inspect(type(row)).column_attrs
    return {c.key: _json(getattr(row, c.key)) for c in columns if c.key not in _SKIPPED}


def diff(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """Each field whose value differs, `{"before", "after"}`; a secret only as "changed"."""
    changes: dict[str, Any] = {}
    for field in sorted(before.keys() | after.keys()):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = CHANGED if field in SECRETS else {"before": old, "after": new}
    return changes


def created(session: Session, *, actor: str, at: datetime, row: m.Base) -> m.ConfigChange:
    """Record a new row (flushed first, so it has its id)."""
    session.flush()
    return _add(session, actor, at, row, "create", diff({}, snapshot(row)))


def changed(
    session: Session, *, actor: str, at: datetime, row: m.Base, before: Snapshot, action: str
) -> m.ConfigChange | None:
    """Record what changed in `row` since `before` (its `snapshot`); nothing if nothing did."""
    changes = diff(before, snapshot(row))
    return _add(session, actor, at, row, action, changes) if changes else None


def deleted(session: Session, *, actor: str, at: datetime, row: m.Base) -> m.ConfigChange:
    """Record a row about to be deleted: every field it held, after: nothing."""
    return _add(session, actor, at, row, "delete", diff(snapshot(row), {}))


def record(
    session: Session,
    *,
    actor: str,
    at: datetime,
    entity: str,
    entity_id: int | None,
    ref: str,
    action: str,
    changes: dict[str, Any],
) -> m.ConfigChange:
    """Add one audit row as given (for changes that are not one row's, like a month's import)."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown audited entity {entity!r}")
    entry = m.ConfigChange(
        at=at,
        actor=actor[:100],
        entity=entity,
        entity_id=entity_id,
        ref=ref[:200],
        action=action,
        changes=changes,
    )
    session.add(entry)
    return entry


def _add(
    session: Session, actor: str, at: datetime, row: m.Base, action: str, changes: dict[str, Any]
) -> m.ConfigChange:
    entity = _ENTITY_OF[type(row)]
    row_id = getattr(row, "id", None)
    return record(
        session,
        actor=actor,
        at=at,
        entity=entity,
        entity_id=row_id,
        ref=_ref(session, row),
        action=action,
        changes=changes,
    )


def _ref(session: Session, row: m.Base) -> str:
    """What people call the row: a unit's code, a username, a token's label…, with the code of
    the unit it belongs to in front."""
    own = {
        m.Unit: "code",
        m.User: "username",
        m.Person: "name",
        m.UnitToken: "label",
        m.SpecialPeriod: "name",
    }.get(type(row), "role")
    name = str(getattr(row, own, "") or "")
    if isinstance(row, m.Unit | m.User):
        return name
    unit_id = getattr(row, "unit_id", None)
    unit = session.get(m.Unit, unit_id) if unit_id is not None else None
    return f"{unit.code} {name}" if unit is not None else name


def _json(value: Any) -> Any:
    if isinstance(value, datetime):  # one form whatever zone the caller's value was in
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value
