"""An attendance row may record an excused absence instead of presence

Revision ID: f2c8a4e6b1d9
Revises: a9c4e6b2d8f3
Create Date: 2026-12-04 19:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2c8a4e6b1d9'
down_revision = 'a9c4e6b2d8f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excused', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.drop_column('excused')
