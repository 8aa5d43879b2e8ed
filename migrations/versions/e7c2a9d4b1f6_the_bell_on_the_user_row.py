"""The bell's unread count is kept on the user row, so that a page shows it without a query

Revision ID: e7c2a9d4b1f6
Revises: e6a2c9d41f57
Create Date: 2026-12-03 07:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'e7c2a9d4b1f6'
down_revision = 'e6a2c9d41f57'
branch_labels = None
depends_on = None


def _count_unread():
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('unread_notifications', sa.Integer))
    notifications = sa.table('notifications', sa.column('user_id', sa.Integer),
                             sa.column('read_at', moocplatform.database.UTCDateTime()))
    unread = (sa.select(sa.func.count()).select_from(notifications)
              .where(notifications.c.user_id == users.c.id, notifications.c.read_at.is_(None)).scalar_subquery())
    op.get_bind().execute(sa.update(users).values(unread_notifications=unread))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), server_default='0', nullable=False))
    _count_unread()


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')
