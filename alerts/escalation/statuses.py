"""Providers' status callbacks: delivered, or failed after the provider accepted the message.

A callback may come before the outbox has stored the provider id it was answered with (the
provider calls back while our request is still on its way home, or to another instance). Such a
callback is held as a row and applied when the send's result lands. Both sides write, commit and
only then look for the other, so whichever commits last finds what the first wrote; deleting
the held row decides who applies it, so it is applied once (docs/decisions/0010)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Delete, delete, select, update
from sqlalchemy.orm import Session

from alerts.escalation.outbox import set_state
from alerts.storage import models as m
from notifiers.base import DeliveryState


def report_status(
    open_session: Callable[[], AbstractContextManager[Session]],
    *,
    provider_id: str,
    state: DeliveryState,
    detail: str,
    now: datetime,
) -> None:
    """A callback as it comes in: applied now, or held when the outbox has not stored that
    provider id yet; then looked for once more in a new transaction, which catches a result
    committed in between."""
    with open_session() as session:
        if mark_delivery(session, provider_id=provider_id, state=state, detail=detail, now=now):
            session.commit()
            return
        hold_early(session, provider_id=provider_id, state=state, detail=detail, now=now)
        session.commit()
    with open_session() as session:
        apply_early(session, provider_ids=[provider_id])
        session.commit()


def mark_delivery(
    session: Session, *, provider_id: str, state: DeliveryState, detail: str, now: datetime
) -> bool:
    """A provider's status callback: delivered, or failed after acceptance. False if unknown id."""
    row = session.scalar(select(m.Notification).where(m.Notification.provider_id == provider_id))
    if row is None:
        return False
    if state is DeliveryState.DELIVERED:
        row.delivered_at = now
    if row.state not in ("delivered", "failed_perm") or state is DeliveryState.DELIVERED:
        set_state(session, row, state, now, detail)
    session.execute(
        update(m.Notification)
        .where(m.Notification.bundled_into_id == row.id)
        .values(delivered_at=row.delivered_at)
    )
    return True


def hold_early(
    session: Session, *, provider_id: str, state: DeliveryState, detail: str, now: datetime
) -> None:
    """Keep a callback whose provider id is not stored yet; the caller commits, then calls
    `apply_early` for that id in a new transaction (the result may have landed meanwhile)."""
    session.add(m.EarlyStatus(provider_id=provider_id, state=state.value, detail=detail, at=now))


def apply_early(session: Session, *, provider_ids: Sequence[str]) -> int:
    """Apply the held callbacks of these provider ids whose send result is now stored, in the
    order they came; how many. Call it in a transaction begun after the ids were committed."""
    if not provider_ids:
        return 0
    held = session.execute(
        select(m.EarlyStatus.id, m.EarlyStatus.provider_id, m.EarlyStatus.state)
        .add_columns(m.EarlyStatus.detail, m.EarlyStatus.at)
        .join(m.Notification, m.Notification.provider_id == m.EarlyStatus.provider_id)
        .where(m.EarlyStatus.provider_id.in_(provider_ids))
        .order_by(m.EarlyStatus.id)
    ).all()
    applied = 0
    for id_, provider_id, state, detail, at in held:
        # whoever deletes the row applies it: another instance may be applying it right now
        if _deleted(session, delete(m.EarlyStatus).where(m.EarlyStatus.id == id_)):
            mark_delivery(
                session,
                provider_id=provider_id,
                state=DeliveryState(state),
                detail=detail,
                now=at,
            )
            applied += 1
    return applied


def drop_early(session: Session, *, before: datetime) -> int:
    """Forget held callbacks no send result can match any more (older than a claim lease: by
    then the send was recorded, or its row became `unknown` and will never be)."""
    return _deleted(session, delete(m.EarlyStatus).where(m.EarlyStatus.at < before))


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0))
