"""Petition notices go straight into the channel outbox: the feedback-side notification table goes.

A status change now queues its notice in ``ch_outbox`` in the same transaction (see
``feedback/notify.py``), so the second outbox in front of it is dropped. Notices still waiting in
it (not those the old code had given up on) are moved to ``ch_outbox`` first, so none is lost.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    waiting = bind.execute(sa.text(
        "SELECT channel, address, message, created_at FROM notification "
        "WHERE sent_at IS NULL AND attempts < 5 ORDER BY id")).all()  # 5: the old code gave up there
    outbox = sa.table(
        "ch_outbox", sa.column("channel"), sa.column("address"), sa.column("kind"),
        sa.column("body"), sa.column("fallbacks"), sa.column("state"), sa.column("not_before"),
        sa.column("attempts"), sa.column("created_at"))
    if waiting:
        op.bulk_insert(outbox, [
            {"channel": row.channel, "address": row.address, "kind": "notice",
             "body": json.dumps({"text": row.message}, ensure_ascii=False), "fallbacks": "[]",
             "state": "pending", "not_before": row.created_at, "attempts": 0,
             "created_at": row.created_at}
            for row in waiting
        ])
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_petition_id"))
        batch_op.drop_index(batch_op.f("ix_notification_sent_at"))
    op.drop_table("notification")


def downgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_petition_id"), ["petition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_sent_at"), ["sent_at"], unique=False)
