"""Sessions remember when their holder last typed the password (re-authentication before sensitive actions)

Revision ID: a7c3e5d9b1f2
Revises: a7c3e5f19d20
Create Date: 2026-12-02 14:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'a7c3e5d9b1f2'
down_revision = 'a7c3e5f19d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_confirmed_at', moocplatform.database.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('password_confirmed_at')
