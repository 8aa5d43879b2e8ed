"""Weekly digests: the weekly channel, and digests filed by period

Revision ID: c5e7a9b1d3f4
Revises: b1d4f6a8c2e0
Create Date: 2026-12-02 19:31:28.162048

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'c5e7a9b1d3f4'
down_revision = 'b1d4f6a8c2e0'
branch_labels = None
depends_on = None


CHANNELS_BEFORE = ('in_app', 'email', 'digest', 'push', 'off')
CHANNELS_AFTER = ('in_app', 'email', 'digest', 'weekly', 'push', 'off')


def _channels(values):
    return f"channel IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    with op.batch_alter_table('notification_digests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period', sa.Enum('daily', 'weekly', name='period', native_enum=False, create_constraint=True, length=16), server_default='daily', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_notification_digests_user_id_day'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_notification_digests_user_id_period_day'), ['user_id', 'period', 'day'])

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_period', sa.Enum('daily', 'weekly', name='digest_period', native_enum=False, create_constraint=True, length=16), nullable=True))
    # What waited for a digest before there were two waited for the daily one.
    op.execute("UPDATE notifications SET digest_period = 'daily' WHERE digest_pending")

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_channel'), _channels(CHANNELS_AFTER))


def downgrade():
    # Weekly choices become daily ones; weekly digests sent are forgotten (one digest a day is all there was).
    op.execute("UPDATE notification_preferences SET channel = 'digest' WHERE channel = 'weekly'")
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_channel'), _channels(CHANNELS_BEFORE))
    op.execute("DELETE FROM notification_digests WHERE period = 'weekly'")

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_digest_period'), type_='check')
        batch_op.drop_column('digest_period')

    with op.batch_alter_table('notification_digests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notification_digests_user_id_period_day'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_notification_digests_user_id_day'), ['user_id', 'day'])
        batch_op.drop_constraint(op.f('ck_notification_digests_period'), type_='check')
        batch_op.drop_column('period')
