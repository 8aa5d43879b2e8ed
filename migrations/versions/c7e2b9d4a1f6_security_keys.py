"""Security keys and passkeys as a second factor (WebAuthn): security_keys, login_challenges.key_challenge

Revision ID: c7e2b9d4a1f6
Revises: b7d4e1a9c3f2
Create Date: 2026-12-03 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'c7e2b9d4a1f6'
down_revision = 'b7d4e1a9c3f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'security_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sa.String(length=1400), nullable=False),
        sa.Column('public_key', sa.LargeBinary(), nullable=False),
        sa.Column('sign_count', sa.BigInteger(), nullable=False),
        sa.Column('transports', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', moocplatform.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_keys_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_keys')),
        sa.UniqueConstraint('credential_id', name=op.f('uq_security_keys_credential_id')),
    )
    with op.batch_alter_table('security_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_keys_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('login_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_challenge', sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table('login_challenges', schema=None) as batch_op:
        batch_op.drop_column('key_challenge')
    with op.batch_alter_table('security_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_keys_user_id'))
    op.drop_table('security_keys')
