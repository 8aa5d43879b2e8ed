"""Cohort plans: weeks, live sessions and external items, and the external items learners marked done

Revision ID: 71eaadca3a49
Revises: 1932802cdd85
Create Date: 2026-12-02 06:17:19.787185

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '71eaadca3a49'
down_revision = '1932802cdd85'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('week', 'live_session', 'external', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=True),
    sa.Column('unit_key', sa.String(length=64), nullable=True),
    sa.Column('releases_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('due_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('starts_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('agenda', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_plan_items_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_plan_items'))
    )
    with op.batch_alter_table('cohort_plan_items', schema=None) as batch_op:
        batch_op.create_index('ix_cohort_plan_items_cohort_position', ['cohort_id', 'position'], unique=False)

    op.create_table('cohort_plan_items_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('done_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['cohort_plan_items.id'], name=op.f('fk_cohort_plan_items_done_item_id_cohort_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_plan_items_done_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_plan_items_done')),
    sa.UniqueConstraint('item_id', 'user_id', name=op.f('uq_cohort_plan_items_done_item_id_user_id'))
    )
    with op.batch_alter_table('cohort_plan_items_done', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_plan_items_done_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_plan_items_done_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cohort_plan_items_done', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_plan_items_done_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_plan_items_done_item_id'))

    op.drop_table('cohort_plan_items_done')
    with op.batch_alter_table('cohort_plan_items', schema=None) as batch_op:
        batch_op.drop_index('ix_cohort_plan_items_cohort_position')

    op.drop_table('cohort_plan_items')
