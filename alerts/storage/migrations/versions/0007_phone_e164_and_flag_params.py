"""people's phones in E.164 (indexed) with the extension apart; incident flags with parameters

An SMS reply finds its sender by `people.phone_e164` instead of reading every person; the
extension of a landline (分机) is kept in `phone_extension`, never dialled as part of the number.
Incident flags said their figures in English prose (`detail`) that the incident page read back
with regular expressions; they now carry `params`, shown through the message catalogue.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from alerts.phones import parse_phone

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_people = sa.table(
    "people",
    sa.column("id", sa.Integer()),
    sa.column("phone", sa.String()),
    sa.column("phone_e164", sa.String()),
    sa.column("phone_extension", sa.String()),
)
_incidents = sa.table("incidents", sa.column("id", sa.Integer()), sa.column("flags", sa.JSON()))

# the prose a flag held before this revision, read once here (and written back by downgrade)
_GRADED = re.compile(r"imply (\S+), reported (\S+)")
_KNEW = re.compile(r"knew (\d+) min")
_PROSE = {
    "under_graded": "figures imply {implied}, reported {stated}",
    "chain_breach": "reported above the office first",
    "concealment_suspected": "knew {minutes} min before reporting",
    "after_chasing": "reported after chasing",
}


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_e164", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("phone_extension", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_phone_e164"), ["phone_e164"], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.select(_people.c.id, _people.c.phone)).all()
    for person_id, phone in rows:
        found = parse_phone(phone) if phone else None
        if found is not None:
            connection.execute(
                _people.update()
                .where(_people.c.id == person_id)
                .values(phone_e164=found.e164, phone_extension=found.extension)
            )
    _rewrite_flags(_with_params)


def downgrade() -> None:
    _rewrite_flags(_with_detail)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_phone_e164"))
        batch_op.drop_column("phone_extension")
        batch_op.drop_column("phone_e164")


def _rewrite_flags(rewrite: Any) -> None:
    connection = op.get_bind()
    for incident_id, flags in connection.execute(sa.select(_incidents.c.id, _incidents.c.flags)):
        if not flags:
            continue
        new = [rewrite(flag) if isinstance(flag, dict) else flag for flag in flags]
        if new != flags:
            connection.execute(
                _incidents.update().where(_incidents.c.id == incident_id).values(flags=new)
            )


def _with_params(flag: dict[str, Any]) -> dict[str, Any]:
    if "params" in flag:
        return flag
    rest = {k: v for k, v in flag.items() if k != "detail"}
    detail = str(flag.get("detail", ""))
    params: dict[str, Any] = {}
    if graded := _GRADED.search(detail):
        params = {"implied": graded.group(1), "stated": graded.group(2)}
    elif knew := _KNEW.search(detail):
        params = {"minutes": int(knew.group(1))}
    return {**rest, "params": params}


def _with_detail(flag: dict[str, Any]) -> dict[str, Any]:
    if "detail" in flag:
        return flag
    rest = {k: v for k, v in flag.items() if k != "params"}
    prose = _PROSE.get(str(flag.get("code")), "")
    try:
        detail = prose.format(**(flag.get("params") or {}))
    except (KeyError, IndexError):
        detail = ""
    return {**rest, "detail": detail}
