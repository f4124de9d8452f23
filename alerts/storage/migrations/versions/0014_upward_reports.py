"""upward reports (上报): the office's own reports to its parent, approved and delivered

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alerts.storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, alerts.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "upward_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        _time("drafted_at", nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        _time("updated_at", nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        _time("decided_at", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("delivery_key", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        _time("queued_at", nullable=True),
        _time("received_at", nullable=True),
        sa.Column("parent_incident_id", sa.Integer(), nullable=True),
        sa.Column("parent_filing_id", sa.Integer(), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("filing_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"]),
        sa.ForeignKeyConstraint(["filing_id"], ["filings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_key"),
    )
    op.create_index("ix_upward_reports_incident_id", "upward_reports", ["incident_id"])
    op.create_index("ix_upward_reports_state", "upward_reports", ["state"])
    op.create_index("ix_upward_reports_notification_id", "upward_reports", ["notification_id"])


def downgrade() -> None:
    op.drop_index("ix_upward_reports_notification_id", table_name="upward_reports")
    op.drop_index("ix_upward_reports_state", table_name="upward_reports")
    op.drop_index("ix_upward_reports_incident_id", table_name="upward_reports")
    op.drop_table("upward_reports")
