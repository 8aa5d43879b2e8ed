"""Cohort invitations: addresses without an account that a facilitator added to a cohort

Revision ID: a9c4e6b2d8f3
Revises: e2f7c9a4b6d1
Create Date: 2026-12-04 19:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'a9c4e6b2d8f3'
down_revision = 'e2f7c9a4b6d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_invitations_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_cohort_invitations_invited_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_invitations')),
        sa.UniqueConstraint('cohort_id', 'email', name=op.f('uq_cohort_invitations_cohort_id_email'))
    )
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_invitations_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_invitations_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_email'))
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_cohort_id'))
    op.drop_table('cohort_invitations')
