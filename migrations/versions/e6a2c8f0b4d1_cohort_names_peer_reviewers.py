"""A cohort may show learners who reviewed their work (peer reviews are anonymous otherwise)

Revision ID: e6a2c8f0b4d1
Revises: c7a2e5d9f1b4
Create Date: 2026-12-03 07:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6a2c8f0b4d1'
down_revision = 'c7a2e5d9f1b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names_peer_reviewers', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('names_peer_reviewers')
