"""Cohort due-date extensions: a later due date for one learner and one item of a cohort's plan

Revision ID: c5e8a1f3b7d2
Revises: f2c8a4e6b1d9
Create Date: 2026-12-04 19:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'c5e8a1f3b7d2'
down_revision = 'f2c8a4e6b1d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_due_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('due_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['cohort_plan_items.id'],
                                name=op.f('fk_cohort_due_extensions_item_id_cohort_plan_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_due_extensions_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'],
                                name=op.f('fk_cohort_due_extensions_granted_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_due_extensions')),
        sa.UniqueConstraint('item_id', 'user_id', name=op.f('uq_cohort_due_extensions_item_id_user_id'))
    )
    with op.batch_alter_table('cohort_due_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_due_extensions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_due_extensions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_due_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_due_extensions_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_due_extensions_item_id'))
    op.drop_table('cohort_due_extensions')
