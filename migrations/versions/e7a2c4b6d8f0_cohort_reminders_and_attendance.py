"""The reminders sent to a cohort's learners (sessions, due dates, quiet spells), so that none goes twice; and
who attended a cohort's live sessions

Revision ID: e7a2c4b6d8f0
Revises: b3d9e1f4a6c2
Create Date: 2026-12-03 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'e7a2c4b6d8f0'
down_revision = 'b3d9e1f4a6c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_reminders_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('sent_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_reminders_sent_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_reminders_sent_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_reminders_sent')),
        sa.UniqueConstraint('cohort_id', 'user_id', 'key', name=op.f('uq_cohort_reminders_sent_cohort_id_user_id_key')),
    )
    with op.batch_alter_table('cohort_reminders_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_reminders_sent_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_reminders_sent_user_id'), ['user_id'], unique=False)
    op.create_table(
        'cohort_session_attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['cohort_plan_items.id'],
                                name=op.f('fk_cohort_session_attendance_item_id_cohort_plan_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_cohort_session_attendance_recorded_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_session_attendance_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_session_attendance')),
        sa.UniqueConstraint('item_id', 'user_id', name=op.f('uq_cohort_session_attendance_item_id_user_id')),
    )
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_session_attendance_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_session_attendance_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_session_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_session_attendance_item_id'))
    op.drop_table('cohort_session_attendance')
    with op.batch_alter_table('cohort_reminders_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_reminders_sent_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_reminders_sent_cohort_id'))
    op.drop_table('cohort_reminders_sent')
