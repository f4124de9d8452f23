"""notices (一事一通报): a numbered notice per late report or confirmed missed or concealed one

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alerts.storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = alerts.storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("report_kind", sa.String(length=32), nullable=True),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("incident_title", sa.String(length=500), nullable=False),
        sa.Column("due_at", Moment(timezone=True), nullable=True),
        sa.Column("received_at", Moment(timezone=True), nullable=True),
        sa.Column("minutes_late", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=800), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("drafted_at", Moment(timezone=True), nullable=False),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("approved_at", Moment(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["obligation_id"], ["obligations.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["finding_decisions.id"]),
        sa.ForeignKeyConstraint(["approved_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
        sa.UniqueConstraint("office_id", "year", "number"),
    )
    for column in ("office_id", "unit_id", "incident_id"):
        op.create_index(f"ix_notices_{column}", "notices", [column], unique=False)


def downgrade() -> None:
    for column in ("office_id", "unit_id", "incident_id"):
        op.drop_index(f"ix_notices_{column}", table_name="notices")
    op.drop_table("notices")
