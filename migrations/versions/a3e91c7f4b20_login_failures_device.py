"""Log-in failures remember the device cookie they came with

Revision ID: a3e91c7f4b20
Revises: 7d5c182d63b5
Create Date: 2026-12-02 06:00:00.000000

Failures made through a trusted device cookie count for that device alone, so an attacker guessing from
elsewhere cannot delay the account holder's own browser.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a3e91c7f4b20'
down_revision = '7d5c182d63b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_failures_device'), ['device'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_device'))
        batch_op.drop_column('device')
