"""tokens: hashed, scoped, expiring secrets (personal access tokens, feed and link secrets)

Revision ID: 5c1e7a9d2b34
Revises: d445748f8b3f
Create Date: 2026-12-02 05:00:00

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b34'
down_revision = 'd445748f8b3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.String(length=400), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tokens_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_tokens_secret_hash'))
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_owner_id'))

    op.drop_table('tokens')
