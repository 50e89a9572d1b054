"""The channel, live-help and catalogue tables join the one schema history.

Until now each of these stores created its own tables in its own SQLite file (channels.db,
handover.db, catalogue.db); from here every table of the app lives in the one database of
``MOTCUA_DB_URL`` and changes only through this history. Rows in the old files are not carried
over: they held delivery state and live-help queues, which start empty.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_procedure',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('field', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('catalogue_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_procedure_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_procedure_source'), ['source'], unique=False)

    op.create_table('catalogue_procedure_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version')
    )
    with op.batch_alter_table('catalogue_procedure_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_procedure_version_code'), ['code'], unique=False)

    op.create_table('ch_alert',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('ch_assisted',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('helper_id', sa.String(length=64), nullable=False),
    sa.Column('helper_name', sa.String(length=200), nullable=False),
    sa.Column('citizen_label', sa.String(length=200), nullable=False),
    sa.Column('procedures', sa.Text(), nullable=False),
    sa.Column('tracking_codes', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ch_assisted', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ch_assisted_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_ch_assisted_code'), ['code'], unique=True)

    op.create_table('ch_button',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('ch_contact',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'address')
    )
    op.create_table('ch_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('meta', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('apologised', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ch_inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ch_inbox_sender'), ['sender'], unique=False)
        batch_op.create_index(batch_op.f('ix_ch_inbox_state'), ['state'], unique=False)

    op.create_table('ch_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fallbacks', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_message_id', sa.String(length=100), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('error_reason', sa.String(length=500), nullable=True),
    sa.Column('error_hint', sa.String(length=500), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ch_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ch_outbox_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_ch_outbox_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_ch_outbox_platform_message_id'), ['platform_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ch_outbox_state'), ['state'], unique=False)

    op.create_table('ch_seen',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'key')
    )
    with op.batch_alter_table('ch_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ch_seen_seen_at'), ['seen_at'], unique=False)

    op.create_table('ch_zalo_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seed_digest', sa.String(length=64), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ch_zns_message',
    sa.Column('tracking_id', sa.String(length=64), nullable=False),
    sa.Column('notice', sa.String(length=32), nullable=False),
    sa.Column('template_id', sa.String(length=32), nullable=False),
    sa.Column('msg_id', sa.String(length=64), nullable=True),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tracking_id')
    )
    with op.batch_alter_table('ch_zns_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ch_zns_message_msg_id'), ['msg_id'], unique=False)

    op.create_table('ch_zns_template_status',
    sa.Column('template_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('previous', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('template_id')
    )
    op.create_table('handover_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=True),
    sa.Column('delivered_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handover_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_request_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_request_status'), ['status'], unique=False)

    op.create_table('handover_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=16), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['handover_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handover_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_message_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('handover_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_message_request_id'))

    op.drop_table('handover_message')
    with op.batch_alter_table('handover_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_request_status'))
        batch_op.drop_index(batch_op.f('ix_handover_request_conversation_id'))

    op.drop_table('handover_request')
    op.drop_table('ch_zns_template_status')
    with op.batch_alter_table('ch_zns_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ch_zns_message_msg_id'))

    op.drop_table('ch_zns_message')
    op.drop_table('ch_zalo_token')
    with op.batch_alter_table('ch_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ch_seen_seen_at'))

    op.drop_table('ch_seen')
    with op.batch_alter_table('ch_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ch_outbox_state'))
        batch_op.drop_index(batch_op.f('ix_ch_outbox_platform_message_id'))
        batch_op.drop_index(batch_op.f('ix_ch_outbox_channel'))
        batch_op.drop_index(batch_op.f('ix_ch_outbox_address'))

    op.drop_table('ch_outbox')
    with op.batch_alter_table('ch_inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ch_inbox_state'))
        batch_op.drop_index(batch_op.f('ix_ch_inbox_sender'))

    op.drop_table('ch_inbox')
    op.drop_table('ch_contact')
    op.drop_table('ch_button')
    with op.batch_alter_table('ch_assisted', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ch_assisted_code'))
        batch_op.drop_index(batch_op.f('ix_ch_assisted_address'))

    op.drop_table('ch_assisted')
    op.drop_table('ch_alert')
    with op.batch_alter_table('catalogue_procedure_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_procedure_version_code'))

    op.drop_table('catalogue_procedure_version')
    with op.batch_alter_table('catalogue_procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_procedure_source'))
        batch_op.drop_index(batch_op.f('ix_catalogue_procedure_field'))

    op.drop_table('catalogue_procedure')
