"""A user's address change waits for its link: users.pending_email

Revision ID: a4d9e2c7b5f1
Revises: f3a8c5d2e9b7
Create Date: 2026-12-03 12:25:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4d9e2c7b5f1'
down_revision = 'f3a8c5d2e9b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pending_email')
