"""Note tombstones: the last version of a deleted note, so a note written again goes on counting from there

Revision ID: cb8c0554daea
Revises: a7c3e5d9b1f2
Create Date: 2026-12-02 19:01:53.744204

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'cb8c0554daea'
down_revision = 'a7c3e5d9b1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('note_tombstones',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_note_tombstones_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_tombstones_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'course_id', 'unit_key', name=op.f('pk_note_tombstones'))
    )


def downgrade():
    op.drop_table('note_tombstones')
