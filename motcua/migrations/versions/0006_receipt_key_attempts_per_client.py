"""Wrong receipt keys are counted per client as well as per petition: a stranger holding a public
tracking code can no longer lock the citizen out of their own lookup-page form by typing five
wrong keys; the petition-wide count stays, with a higher bar, against guessing from many places.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keyattempt",
        sa.Column("petition_id", sa.Integer(), sa.ForeignKey("petition.id"), primary_key=True),
        sa.Column("client", sa.String(length=64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keyattempt")
