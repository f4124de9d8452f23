"""findings (认定): candidates, decisions and evidence files

A missed report or a flag (under-graded, chain breach, suspected concealment) becomes a row of
`findings` with a state (candidate, confirmed, dismissed); each decision about it is a row of
`finding_decisions`, and the files given with a decision are rows of `finding_evidence`, bytes
and all (decision 0016). Going up makes a candidate of every missed unit report and every such
flag already stored, as re-assessing the incident would; going down drops the three tables,
decisions and evidence with them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import alerts.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAG_KINDS = ("under_graded", "chain_breach", "concealment_suspected")  # as rules/findings.py
_UTC = alerts.storage.types.UTCDateTime(timezone=True)
_obligations = sa.table(
    "obligations",
    sa.column("id", sa.Integer()),
    sa.column("incident_id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("party", sa.String()),
    sa.column("status", sa.String()),
    sa.column("owed_by_unit_id", sa.Integer()),
    sa.column("updated_at", _UTC),
)
_incidents = sa.table(
    "incidents",
    sa.column("id", sa.Integer()),
    sa.column("unit_id", sa.Integer()),
    sa.column("flags", sa.JSON()),
    sa.column("updated_at", _UTC),
)
_filings = sa.table("filings", sa.column("id", sa.Integer()))
_findings = sa.table(
    "findings",
    sa.column("incident_id", sa.Integer()),
    sa.column("unit_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("key", sa.String()),
    sa.column("state", sa.String()),
    sa.column("raised_at", _UTC),
    sa.column("obligation_id", sa.Integer()),
    sa.column("filing_id", sa.Integer()),
    sa.column("params", sa.JSON()),
    sa.column("updated_at", _UTC),
)


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("raised_at", alerts.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=True),
        sa.Column("filing_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("updated_at", alerts.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "key"),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "finding_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", alerts.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_decisions_finding_id"), ["finding_id"], unique=False
        )

    op.create_table(
        "finding_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", alerts.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["finding_decisions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_evidence_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_finding_evidence_finding_id"), ["finding_id"], unique=False
        )

    _raise_candidates()


def _raise_candidates() -> None:
    """A candidate for every missed unit report and finding flag stored before this revision."""
    connection = op.get_bind()
    o = _obligations.c
    rows: list[dict[str, Any]] = [
        _candidate(incident_id, unit_id, "missed", f"missed:{key}", at, obligation_id=oid)
        for oid, incident_id, key, unit_id, at in connection.execute(
            sa.select(o.id, o.incident_id, o.key, o.owed_by_unit_id, o.updated_at).where(
                o.status == "missed", o.party == "unit", o.incident_id.is_not(None)
            )
        )
    ]
    filings = {fid for (fid,) in connection.execute(sa.select(_filings.c.id))}
    i = _incidents.c
    for incident_id, unit_id, flags, updated_at in connection.execute(
        sa.select(i.id, i.unit_id, i.flags, i.updated_at)
    ):
        seen: set[str] = set()
        for flag in flags or []:
            code = flag.get("code") if isinstance(flag, dict) else None
            if code not in _FLAG_KINDS or code in seen:
                continue
            seen.add(code)
            filing = flag.get("filing_id")
            rows.append(
                _candidate(
                    incident_id,
                    unit_id,
                    code,
                    code,
                    _moment(flag.get("at")) or updated_at,
                    filing_id=filing if filing in filings else None,
                    params=flag.get("params") or {},
                )
            )
    if rows:
        connection.execute(_findings.insert(), rows)


def _candidate(
    incident_id: int,
    unit_id: int,
    kind: str,
    key: str,
    at: datetime,
    *,
    obligation_id: int | None = None,
    filing_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "unit_id": unit_id,
        "kind": kind,
        "key": key,
        "state": "candidate",
        "raised_at": at,
        "obligation_id": obligation_id,
        "filing_id": filing_id,
        "params": params or {},
        "updated_at": at,
    }


def _moment(text: Any) -> datetime | None:
    try:
        found = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def downgrade() -> None:
    with op.batch_alter_table("finding_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_evidence_finding_id"))
        batch_op.drop_index(batch_op.f("ix_finding_evidence_decision_id"))

    op.drop_table("finding_evidence")
    with op.batch_alter_table("finding_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_decisions_finding_id"))

    op.drop_table("finding_decisions")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_unit_id"))
        batch_op.drop_index(batch_op.f("ix_findings_incident_id"))

    op.drop_table("findings")
