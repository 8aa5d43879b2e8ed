"""Portfolio: entries (written, uploaded files, evidence snapshots) and the public page with its link

Revision ID: cc7fe197a003
Revises: 2e2d6c552af0
Create Date: 2026-12-02 14:05:28.478870

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'cc7fe197a003'
down_revision = '2e2d6c552af0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portfolio_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('written', 'file', 'evidence', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.Column('storage_key', sa.String(length=128), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('evidence_source', sa.String(length=32), nullable=True),
    sa.Column('evidence_ref', sa.String(length=64), nullable=True),
    sa.Column('evidence_html', sa.Text(), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=False),
    sa.Column('evidence_date', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portfolio_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_entries')),
    sa.UniqueConstraint('user_id', 'evidence_source', 'evidence_ref', name=op.f('uq_portfolio_entries_user_id_evidence_source_evidence_ref')),
    sa.UniqueConstraint('user_id', 'request_key', name=op.f('uq_portfolio_entries_user_id_request_key'))
    )
    with op.batch_alter_table('portfolio_entries', schema=None) as batch_op:
        batch_op.create_index('ix_portfolio_entries_user_id_position', ['user_id', 'position'], unique=False)

    op.create_table('portfolio_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('intro_source', sa.Text(), nullable=False),
    sa.Column('intro_html', sa.Text(), nullable=False),
    sa.Column('link_token_id', sa.Integer(), nullable=True),
    sa.Column('link_secret', sa.String(length=200), nullable=True),
    sa.Column('updated_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_token_id'], ['tokens.id'], name=op.f('fk_portfolio_pages_link_token_id_tokens'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portfolio_pages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_pages')),
    sa.UniqueConstraint('user_id', name=op.f('uq_portfolio_pages_user_id'))
    )
    with op.batch_alter_table('portfolio_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_pages_link_token_id'), ['link_token_id'], unique=False)



def downgrade():
    with op.batch_alter_table('portfolio_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_pages_link_token_id'))

    op.drop_table('portfolio_pages')
    with op.batch_alter_table('portfolio_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_portfolio_entries_user_id_position')

    op.drop_table('portfolio_entries')
