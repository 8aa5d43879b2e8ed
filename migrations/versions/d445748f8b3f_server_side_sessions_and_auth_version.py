"""server-side sessions (user_sessions) and users.auth_version

Revision ID: d445748f8b3f
Revises: c256107e59b3
Create Date: 2026-12-02 04:51:15.075762

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'd445748f8b3f'
down_revision = 'c256107e59b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('auth_version', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=80), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('remember_key_hash', sa.String(length=64), nullable=True),
    sa.Column('previous_remember_key_hash', sa.String(length=64), nullable=True),
    sa.Column('remember_rotated_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    sa.UniqueConstraint('remember_key_hash', name=op.f('uq_user_sessions_remember_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_previous_remember_key_hash'), ['previous_remember_key_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_version', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('auth_version')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_previous_remember_key_hash'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_expires_at'))

    op.drop_table('user_sessions')
