"""Push reminders: browsers' push subscriptions, and "push" as a notification channel

Revision ID: b7e2c4a91d05
Revises: c7cb908c0bb7
Create Date: 2026-12-02 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'b7e2c4a91d05'
down_revision = 'c7cb908c0bb7'
branch_labels = None
depends_on = None

CHANNELS_BEFORE = ('in_app', 'email', 'digest', 'off')
CHANNELS_AFTER = ('in_app', 'email', 'digest', 'push', 'off')


def _channels(values):
    return f"channel IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('last_success_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['user_sessions.id'],
                            name=op.f('fk_push_subscriptions_session_id_user_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_subscriptions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_subscriptions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_channel'), _channels(CHANNELS_AFTER))


def downgrade():
    op.execute("UPDATE notification_preferences SET channel = 'in_app' WHERE channel = 'push'")
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_preferences_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_preferences_channel'), _channels(CHANNELS_BEFORE))

    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_session_id'))

    op.drop_table('push_subscriptions')
