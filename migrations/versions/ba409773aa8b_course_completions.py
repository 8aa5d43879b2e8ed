"""course completions

Revision ID: ba409773aa8b
Revises: 862631dfb0f5
Create Date: 2026-11-25 14:50:38.904279

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'ba409773aa8b'
down_revision = '862631dfb0f5'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('course_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_completions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_completions')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_course_completions_user_id_course_id'))
    )
    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_completions_course_id'), ['course_id'], unique=False)




def downgrade():

    with op.batch_alter_table('course_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_completions_course_id'))

    op.drop_table('course_completions')

