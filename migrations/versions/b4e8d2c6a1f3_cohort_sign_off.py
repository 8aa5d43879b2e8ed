"""A cohort may require a facilitator's sign-off for completion; the sign-offs given

Revision ID: b4e8d2c6a1f3
Revises: c5e7a9b1d3f4
Create Date: 2026-12-02 20:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'b4e8d2c6a1f3'
down_revision = 'c5e7a9b1d3f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_sign_off', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'cohort_sign_offs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signed_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_sign_offs_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'],
                                name=op.f('fk_cohort_sign_offs_signed_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_sign_offs_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sign_offs')),
        sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_sign_offs_cohort_id_user_id'))
    )
    with op.batch_alter_table('cohort_sign_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_sign_offs_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_sign_offs_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_sign_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_sign_offs_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_sign_offs_cohort_id'))
    op.drop_table('cohort_sign_offs')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('requires_sign_off')
