"""incidents archived (归档): when and by whom

An archived incident takes no more filings, waivers or instructions; the rules read
`archived_at` as an input (decision 0013). Going down forgets the archiving: the incidents
return to `closed`, which is what they were before it.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alerts.storage.types

revision: str = "0011"
down_revision: str | None = "0009"  # after the findings (0009)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("archived_at", alerts.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("archived_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE incidents SET state = 'closed' WHERE state = 'archived'")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("archived_by")
        batch.drop_column("archived_at")
