"""Organisations (employers approved to post) and opportunities: postings, their competences and courses,
applications, reports and recommendations

Revision ID: 3634b4107587
Revises: cc7fe197a003
Create Date: 2026-12-02 14:08:06.731105

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '3634b4107587'
down_revision = 'cc7fe197a003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('university', 'company', 'vet_centre', 'ngo', 'employer', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('approval', sa.Enum('pending', 'approved', 'withdrawn', name='approval', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('approval_changed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(country) = 2', name=op.f('ck_organisations_country_code')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('job', 'internship', 'apprenticeship', 'project', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', 'withdrawn', 'removed', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('published_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('ended_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('open_reports', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_opportunities_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_opportunities_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities'))
    )
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunities_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_opportunities_status_closes_on', ['status', 'closes_on'], unique=False)

    op.create_table('opportunity_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('shared_link', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('received', 'reviewing', 'shortlisted', 'declined', 'offered', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('status_changed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_applications_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_opportunity_applications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_applications')),
    sa.UniqueConstraint('opportunity_id', 'user_id', name=op.f('uq_opportunity_applications_opportunity_id_user_id'))
    )
    with op.batch_alter_table('opportunity_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_applications_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_applications_user_id'), ['user_id'], unique=False)

    op.create_table('opportunity_competences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_competences_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_competences')),
    sa.UniqueConstraint('opportunity_id', 'name', name=op.f('uq_opportunity_competences_opportunity_id_name'))
    )
    with op.batch_alter_table('opportunity_competences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_competences_name'), ['name'], unique=False)

    op.create_table('opportunity_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_opportunity_courses_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_courses_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_courses')),
    sa.UniqueConstraint('opportunity_id', 'course_id', name=op.f('uq_opportunity_courses_opportunity_id_course_id'))
    )
    with op.batch_alter_table('opportunity_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_courses_course_id'), ['course_id'], unique=False)

    op.create_table('opportunity_recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('recommended_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_opportunity_recommendations_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_recommendations_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommended_by_id'], ['users.id'], name=op.f('fk_opportunity_recommendations_recommended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_opportunity_recommendations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_recommendations')),
    sa.UniqueConstraint('opportunity_id', 'user_id', name=op.f('uq_opportunity_recommendations_opportunity_id_user_id'))
    )
    with op.batch_alter_table('opportunity_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_recommendations_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_recommendations_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_recommendations_recommended_by_id'), ['recommended_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_recommendations_user_id'), ['user_id'], unique=False)

    op.create_table('opportunity_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_reports_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_opportunity_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_reports')),
    sa.UniqueConstraint('opportunity_id', 'reporter_id', name=op.f('uq_opportunity_reports_opportunity_id_reporter_id'))
    )
    with op.batch_alter_table('opportunity_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_reports_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_reports_reporter_id'), ['reporter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('opportunity_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_reports_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_reports_opportunity_id'))

    op.drop_table('opportunity_reports')
    with op.batch_alter_table('opportunity_recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_recommendations_user_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_recommendations_recommended_by_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_recommendations_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_recommendations_cohort_id'))

    op.drop_table('opportunity_recommendations')
    with op.batch_alter_table('opportunity_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_courses_course_id'))

    op.drop_table('opportunity_courses')
    with op.batch_alter_table('opportunity_competences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_competences_name'))

    op.drop_table('opportunity_competences')
    with op.batch_alter_table('opportunity_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_applications_user_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_applications_opportunity_id'))

    op.drop_table('opportunity_applications')
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_status_closes_on')
        batch_op.drop_index(batch_op.f('ix_opportunities_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_opportunities_ended_at'))
        batch_op.drop_index(batch_op.f('ix_opportunities_created_by_id'))

    op.drop_table('opportunities')
    op.drop_table('organisations')
