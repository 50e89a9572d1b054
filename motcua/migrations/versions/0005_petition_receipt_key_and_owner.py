"""Only the citizen who filed a petition may add information to it: a receipt key for the web
lookup page and the conversation it was filed from, both stored as digests, and a count of wrong
keys for the brute-force limit.

Existing petitions get neither digest: they take added information from the chat they notify
only (``notify_channel``/``notify_address``), or through the office.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("petition") as batch:
        batch.add_column(sa.Column("receipt_key_hash", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("owner_hash", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("key_failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("key_failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("petition") as batch:
        for name in ("key_failed_at", "key_failures", "owner_hash", "receipt_key_hash"):
            batch.drop_column(name)
