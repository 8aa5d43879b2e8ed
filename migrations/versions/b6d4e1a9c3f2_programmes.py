"""Programmes: a cohort goes through a course or through a programme (a group over any online content)

Revision ID: b6d4e1a9c3f2
Revises: c7e2b9d4a1f6
Create Date: 2026-12-03 12:50:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'b6d4e1a9c3f2'
down_revision = 'c7e2b9d4a1f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'programmes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('competences', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_programmes_organisation_id_organisations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programmes_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
        sa.UniqueConstraint('slug', name=op.f('uq_programmes_slug')),
    )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programmes_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.alter_column('course_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_cohorts_programme_id_programmes'), 'programmes',
                                    ['programme_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_cohorts_programme_id'), ['programme_id'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_cohorts_course_or_programme'), '(course_id IS NULL) <> (programme_id IS NULL)')


def downgrade():
    op.execute("DELETE FROM cohorts WHERE course_id IS NULL")
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cohorts_course_or_programme'), type_='check')
        batch_op.drop_index(batch_op.f('ix_cohorts_programme_id'))
        batch_op.drop_constraint(batch_op.f('fk_cohorts_programme_id_programmes'), type_='foreignkey')
        batch_op.alter_column('course_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('programme_id')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programmes_organisation_id'))
    op.drop_table('programmes')
