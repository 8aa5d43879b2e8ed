"""Cohorts and cohort memberships (facilitators are cohort-scoped role grants)

Revision ID: 1932802cdd85
Revises: 8f831d03929c
Create Date: 2026-12-02 06:02:10.924860

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '1932802cdd85'
down_revision = '8f831d03929c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('risk_inactive_days', sa.Integer(), server_default='7', nullable=False),
    sa.Column('risk_modules_behind', sa.Integer(), server_default='1', nullable=False),
    sa.Column('risk_failed_attempts', sa.Integer(), server_default='2', nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_cohorts_capacity_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_cohorts_ends_after_start')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_cohorts_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('join_code', name=op.f('uq_cohorts_join_code'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohorts_course_id'), ['course_id'], unique=False)

    op.create_table('cohort_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('member', 'waiting', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('joined_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_memberships_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_memberships')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_memberships_cohort_id_user_id'))
    )
    with op.batch_alter_table('cohort_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_memberships_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_memberships_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cohort_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_memberships_cohort_id'))

    op.drop_table('cohort_memberships')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohorts_course_id'))

    op.drop_table('cohorts')
