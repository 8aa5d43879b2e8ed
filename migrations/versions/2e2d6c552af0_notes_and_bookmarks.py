"""Notes and bookmarks: a learner's private note per unit (with its version) and bookmarks of units and pages

Revision ID: 2e2d6c552af0
Revises: be68d4433ab2
Create Date: 2026-12-02 14:07:27.192333

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '2e2d6c552af0'
down_revision = 'be68d4433ab2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bookmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('unit', 'external', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('unit_key', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'unit' AND course_id IS NOT NULL AND unit_key IS NOT NULL AND url IS NULL) OR (kind = 'external' AND url IS NOT NULL AND course_id IS NULL AND unit_key IS NULL)", name=op.f('ck_bookmarks_target')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_bookmarks_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookmarks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmarks')),
    sa.UniqueConstraint('user_id', 'course_id', 'unit_key', name=op.f('uq_bookmarks_user_id_course_id_unit_key')),
    sa.UniqueConstraint('user_id', 'url', name=op.f('uq_bookmarks_user_id_url'))
    )
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookmarks_course_id'), ['course_id'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('unit_title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_notes_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('user_id', 'course_id', 'unit_key', name=op.f('uq_notes_user_id_course_id_unit_key'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_course_id'), ['course_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_course_id'))

    op.drop_table('notes')
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookmarks_course_id'))

    op.drop_table('bookmarks')
