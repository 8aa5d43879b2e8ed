"""Teams inside a cohort, and which team each of its learners is in

Revision ID: c5e2a8f4d1b9
Revises: b6d4e1a9c3f2
Create Date: 2026-12-03 13:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'c5e2a8f4d1b9'
down_revision = 'b6d4e1a9c3f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_teams_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_teams')),
        sa.UniqueConstraint('cohort_id', 'name', name=op.f('uq_cohort_teams_cohort_id_name')),
        sa.UniqueConstraint('id', 'cohort_id', name=op.f('uq_cohort_teams_id_cohort_id')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('cohort_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_teams_cohort_id'), ['cohort_id'], unique=False)
    op.create_table(
        'cohort_team_memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_cohort_team_memberships_cohort_id_cohorts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id', 'cohort_id'], ['cohort_teams.id', 'cohort_teams.cohort_id'],
                                name=op.f('fk_cohort_team_memberships_team_id_cohort_teams'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_team_memberships_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_team_memberships')),
        sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_team_memberships_cohort_id_user_id')),
    )
    with op.batch_alter_table('cohort_team_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_team_memberships_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_team_memberships_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('cohort_team_memberships')
    op.drop_table('cohort_teams')
