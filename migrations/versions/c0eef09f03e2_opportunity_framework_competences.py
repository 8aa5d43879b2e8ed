"""Opportunity competences linked to the courses' frameworks: framework and code beside the name (free tags keep
neither and still match by name)

Revision ID: c0eef09f03e2
Revises: cb8c0554daea
Create Date: 2026-12-02 19:53:07.463102

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c0eef09f03e2'
down_revision = 'cb8c0554daea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opportunity_competences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('framework', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('code', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('opportunity_competences', schema=None) as batch_op:
        batch_op.drop_column('code')
        batch_op.drop_column('framework')
