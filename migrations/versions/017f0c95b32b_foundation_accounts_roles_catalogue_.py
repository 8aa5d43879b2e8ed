"""foundation: accounts, roles, catalogue, versions, enrolment, progress, audit

Revision ID: 017f0c95b32b
Revises:
Create Date: 2026-11-25 13:09:32.020924

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import moocplatform.database

# revision identifiers, used by Alembic.
revision = '017f0c95b32b'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('archived_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=400), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('effort_hours_per_week', sa.Integer(), nullable=False),
    sa.Column('duration_weeks', sa.Integer(), nullable=False),
    sa.Column('enrolment_mode', sa.String(length=16), nullable=False),
    sa.Column('enrolment_opens_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('enrolment_closes_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('live_version_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('slug', name=op.f('uq_courses_slug'))
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_language'), ['language'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('failed_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_ip'), ['ip'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('email_verified_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('password_changed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('given_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_user_id'), ['user_id'], unique=False)

    op.create_table('course_competences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_competences_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_competences'))
    )
    with op.batch_alter_table('course_competences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_competences_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_competences_name'), ['name'], unique=False)

    op.create_table('course_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('manifest', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('unit_count', sa.Integer(), nullable=False),
    sa.Column('minutes_total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_versions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_versions')),
    sa.UniqueConstraint('course_id', 'version', name=op.f('uq_course_versions_course_id_version'))
    )
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_versions_course_id'), ['course_id'], unique=False)

    # courses and course_versions refer to each other: the live-version key is added once both exist.
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_courses_live_version_id_course_versions'), 'course_versions',
                                    ['live_version_id'], ['id'], ondelete='SET NULL', use_alter=True)

    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('enrolled_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('left_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('last_unit_key', sa.String(length=64), nullable=True),
    sa.Column('last_visited_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrollments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enrollments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_enrollments_user_id_course_id'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_user_id'), ['user_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_invitations_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('course_id', 'email', name=op.f('uq_invitations_course_id_email'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'], unique=False)

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_role_grants_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_role_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('user_id', 'role', 'course_id', name=op.f('uq_role_grants_user_id_role_course_id'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)

    op.create_table('unit_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('first_viewed_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('completed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_unit_progress_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_progress')),
    sa.UniqueConstraint('user_id', 'course_id', 'unit_key', name=op.f('uq_unit_progress_user_id_course_id_unit_key'))
    )
    with op.batch_alter_table('unit_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_progress_course_id'), ['course_id'], unique=False)

    op.create_table('modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('competences', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_modules_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modules')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_modules_version_id_key'))
    )
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_modules_version_id'), ['version_id'], unique=False)

    op.create_table('pack_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_pack_files_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_files')),
    sa.UniqueConstraint('version_id', 'path', name=op.f('uq_pack_files_version_id_path'))
    )
    with op.batch_alter_table('pack_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pack_files_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_pack_files_version_id'), ['version_id'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('preview', sa.Boolean(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('video', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('source_path', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_units_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_units_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_units_version_id_key'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_courses_live_version_id_course_versions'), type_='foreignkey')

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_version_id'))
        batch_op.drop_index(batch_op.f('ix_units_module_id'))

    op.drop_table('units')
    with op.batch_alter_table('pack_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pack_files_version_id'))
        batch_op.drop_index(batch_op.f('ix_pack_files_sha256'))

    op.drop_table('pack_files')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_modules_version_id'))

    op.drop_table('modules')
    with op.batch_alter_table('unit_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_progress_course_id'))

    op.drop_table('unit_progress')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grants_course_id'))

    op.drop_table('role_grants')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_email'))
        batch_op.drop_index(batch_op.f('ix_invitations_course_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollments_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_course_id'))

    op.drop_table('enrollments')
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_versions_course_id'))

    op.drop_table('course_versions')
    with op.batch_alter_table('course_competences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_competences_name'))
        batch_op.drop_index(batch_op.f('ix_course_competences_course_id'))

    op.drop_table('course_competences')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_user_id'))

    op.drop_table('consents')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
    op.drop_table('users')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_ip'))
        batch_op.drop_index(batch_op.f('ix_login_failures_failed_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_email'))

    op.drop_table('login_failures')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_language'))

    op.drop_table('courses')
