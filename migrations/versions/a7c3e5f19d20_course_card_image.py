"""courses.card_image: the URL of the image on a course's catalogue card, copied from its live version

Revision ID: a7c3e5f19d20
Revises: b7e2c4a91d05
Create Date: 2026-12-02 14:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e5f19d20'
down_revision = 'b7e2c4a91d05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_image', sa.String(length=400), nullable=True))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('card_image')
