"""role grants carry a scope (platform, organisation, course, cohort)

Revision ID: 5c1e7a2d9f40
Revises: c4f1d2a9e7b3
Create Date: 2026-12-02 05:00:00.000000

Course grants become scope "course" with the course's id; the others (admin) become scope "platform".
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1e7a2d9f40'
down_revision = 'c4f1d2a9e7b3'
branch_labels = None
depends_on = None

SCOPE_TYPES = "scope_type IN ('platform', 'organisation', 'course', 'cohort')"
SCOPE_ID = "(scope_type = 'platform') = (scope_id IS NULL)"


def upgrade():
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_type', sa.String(length=16), nullable=False,
                                      server_default='platform'))
        batch_op.add_column(sa.Column('scope_id', sa.Integer(), nullable=True))
    op.execute("UPDATE role_grants SET scope_type = 'course', scope_id = course_id WHERE course_id IS NOT NULL")
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.alter_column('scope_type', server_default=None)
        batch_op.drop_constraint('uq_role_grants_user_id_role_course_id', type_='unique')
        batch_op.drop_index('ix_role_grants_course_id')
        batch_op.drop_constraint('fk_role_grants_course_id_courses', type_='foreignkey')
        batch_op.drop_column('course_id')
        batch_op.create_unique_constraint(batch_op.f('uq_role_grants_user_id_role_scope_type_scope_id'),
                                          ['user_id', 'role', 'scope_type', 'scope_id'])
        batch_op.create_check_constraint(batch_op.f('ck_role_grants_scope_type'), SCOPE_TYPES)
        batch_op.create_check_constraint(batch_op.f('ck_role_grants_scope_id_for_scope'), SCOPE_ID)
        batch_op.create_index('ix_role_grants_scope', ['scope_type', 'scope_id'], unique=False)


def downgrade():
    # Grants scoped to organisations or cohorts have no course-wide equivalent: they are dropped.
    op.execute("DELETE FROM role_grants WHERE scope_type IN ('organisation', 'cohort')")
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
    op.execute("UPDATE role_grants SET course_id = scope_id WHERE scope_type = 'course'")
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_role_grants_scope')
        batch_op.drop_constraint(batch_op.f('ck_role_grants_scope_id_for_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_role_grants_scope_type'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_role_grants_user_id_role_scope_type_scope_id'), type_='unique')
        batch_op.drop_column('scope_id')
        batch_op.drop_column('scope_type')
        batch_op.create_foreign_key(batch_op.f('fk_role_grants_course_id_courses'), 'courses', ['course_id'],
                                    ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_role_grants_course_id'), ['course_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_role_grants_user_id_role_course_id'),
                                          ['user_id', 'role', 'course_id'])
