"""robots and stand-down: wider channel names (robot:NAME), notifications indexed by sent_at

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # robot:NAME takes up to 38 characters; 16 held webhook:NAME only for names of 8
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=16), type_=sa.String(length=64)
        )
        # a robot's posts in its rate window, and the stand-downs' look at recent sends
        batch_op.create_index("ix_notifications_sent_at", ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_sent_at")
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=64), type_=sa.String(length=16)
        )
