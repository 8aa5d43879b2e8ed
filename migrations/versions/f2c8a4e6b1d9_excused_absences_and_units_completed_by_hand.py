"""Cohort exceptions: an attendance row may record an excused absence; units completed by hand

Revision ID: f2c8a4e6b1d9
Revises: a9c4e6b2d8f3
Create Date: 2026-12-04 19:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'f2c8a4e6b1d9'
down_revision = 'a9c4e6b2d8f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excused', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'cohort_hand_completions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unit_key', sa.String(length=64), nullable=False),
        sa.Column('completed_by_id', sa.Integer(), nullable=True),
        sa.Column('completed_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_cohort_hand_completions_cohort_id_cohorts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'],
                                name=op.f('fk_cohort_hand_completions_completed_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_hand_completions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_hand_completions')),
        sa.UniqueConstraint('cohort_id', 'user_id', 'unit_key',
                            name=op.f('uq_cohort_hand_completions_cohort_id_user_id_unit_key'))
    )
    with op.batch_alter_table('cohort_hand_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_hand_completions_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_hand_completions_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('cohort_hand_completions')
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.drop_column('excused')
