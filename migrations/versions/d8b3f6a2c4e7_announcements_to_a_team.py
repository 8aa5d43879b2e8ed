"""Announcements to one team of a cohort

Revision ID: d8b3f6a2c4e7
Revises: d7a3c9e2f1b4
Create Date: 2026-12-03 20:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd8b3f6a2c4e7'
down_revision = 'd7a3c9e2f1b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_announcements_team_id'), ['team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_announcements_team_id_cohort_teams'), 'cohort_teams',
                                    ['team_id', 'cohort_id'], ['id', 'cohort_id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_announcements_team_in_cohort'),
                                         'team_id IS NULL OR cohort_id IS NOT NULL')


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_announcements_team_in_cohort'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_announcements_team_id_cohort_teams'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_announcements_team_id'))
        batch_op.drop_column('team_id')
