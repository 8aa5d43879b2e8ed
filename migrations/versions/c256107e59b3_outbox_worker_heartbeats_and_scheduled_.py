"""outbox, worker heartbeats and scheduled jobs

Revision ID: c256107e59b3
Revises: 5c1e7a2d9f40
Create Date: 2026-12-02 04:50:48.586385

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'c256107e59b3'
down_revision = '5c1e7a2d9f40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('claimed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('lease_expires_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('done_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'dead')", name=op.f('ck_outbox_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_outbox_kind_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_available_at', ['status', 'available_at'], unique=False)

    op.create_table('scheduled_jobs',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('next_run_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('last_started_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_finished_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_run_by', sa.String(length=128), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_jobs'))
    )
    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=128), nullable=False),
    sa.Column('started_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('seen_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeats'))
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_seen_at'), ['seen_at'], unique=False)



def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_seen_at'))

    op.drop_table('worker_heartbeats')
    op.drop_table('scheduled_jobs')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_available_at')

    op.drop_table('outbox')
