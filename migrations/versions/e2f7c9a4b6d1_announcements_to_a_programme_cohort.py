"""Announcements to a programme's cohort: no course, so course_id may be NULL when a cohort is named

Revision ID: e2f7c9a4b6d1
Revises: d8b3f6a2c4e7
Create Date: 2026-12-04 19:05:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2f7c9a4b6d1'
down_revision = 'd8b3f6a2c4e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.alter_column('course_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(batch_op.f('ck_announcements_course_or_cohort'),
                                         'course_id IS NOT NULL OR cohort_id IS NOT NULL')


def downgrade():
    # A programme cohort's announcements have no course to go back to.
    op.execute("DELETE FROM announcements WHERE course_id IS NULL")
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_announcements_course_or_cohort'), type_='check')
        batch_op.alter_column('course_id', existing_type=sa.Integer(), nullable=False)
