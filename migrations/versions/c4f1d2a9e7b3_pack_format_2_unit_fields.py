"""pack format 2: a unit's live session, participation rule, assignment and facilitator notes

Revision ID: c4f1d2a9e7b3
Revises: ba409773aa8b
Create Date: 2026-12-02 05:10:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c4f1d2a9e7b3'
down_revision = 'ba409773aa8b'
branch_labels = None
depends_on = None

COLUMNS = ('session', 'participation', 'assignment', 'facilitator_notes')


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, json, nullable=True))


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
