"""Certificates keep what their supplement states (learning outcomes, competences, workload, assessment, form
of participation, quality assurance, partners) as it was when they were issued

Revision ID: c7a2e5d9f1b4
Revises: e7a2c4b6d8f0
Create Date: 2026-12-03 07:40:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c7a2e5d9f1b4'
down_revision = 'e7a2c4b6d8f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        # NULL for certificates issued before: their supplement is derived from the course version they name.
        batch_op.add_column(sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                        'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('details')
