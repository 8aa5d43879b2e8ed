"""Assignment submissions, their versions, files, assessments and peer-review allocations

Revision ID: 892e0b9ea6c0
Revises: 71eaadca3a49
Create Date: 2026-12-02 06:04:24.690565

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql  # noqa: F401

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '892e0b9ea6c0'
down_revision = '71eaadca3a49'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'needs_revision', 'accepted', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('decided_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_submissions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_submissions')),
    sa.UniqueConstraint('user_id', 'course_id', 'unit_key', name=op.f('uq_assignment_submissions_user_id_course_id_unit_key'))
    )
    with op.batch_alter_table('assignment_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_submissions_course_id_status_submitted_at', ['course_id', 'status', 'submitted_at'], unique=False)

    op.create_table('assignment_submission_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_html', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=2000), nullable=False),
    sa.Column('saved_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_assignment_submission_versions_course_version_id_course_versions')),
    sa.ForeignKeyConstraint(['submission_id'], ['assignment_submissions.id'], name=op.f('fk_assignment_submission_versions_submission_id_assignment_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_submission_versions')),
    sa.UniqueConstraint('submission_id', 'number', name=op.f('uq_assignment_submission_versions_submission_id_number'))
    )
    with op.batch_alter_table('assignment_submission_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_submission_versions_course_version_id'), ['course_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_submission_versions_submission_id'), ['submission_id'], unique=False)

    op.create_table('assignment_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('self', 'facilitator', 'peer', name='role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('max_points', sa.Integer(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('feedback_html', sa.Text(), nullable=False),
    sa.Column('decision', sa.Enum('accepted', 'needs_revision', name='decision', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_assignment_assessments_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['assignment_submission_versions.id'], name=op.f('fk_assignment_assessments_version_id_assignment_submission_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_assessments'))
    )
    with op.batch_alter_table('assignment_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_assessments_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index('ix_assignment_assessments_version_id_role', ['version_id', 'role'], unique=False)

    op.create_table('assignment_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_files_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['assignment_submission_versions.id'], name=op.f('fk_assignment_files_version_id_assignment_submission_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_files'))
    )
    with op.batch_alter_table('assignment_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_files_storage_key'), ['storage_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_files_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_files_version_id'), ['version_id'], unique=False)

    op.create_table('assignment_peer_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('allocated_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('completed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assignment_assessments.id'], name=op.f('fk_assignment_peer_allocations_assessment_id_assignment_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_assignment_peer_allocations_reviewer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['assignment_submission_versions.id'], name=op.f('fk_assignment_peer_allocations_version_id_assignment_submission_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_peer_allocations')),
    sa.UniqueConstraint('version_id', 'reviewer_id', name=op.f('uq_assignment_peer_allocations_version_id_reviewer_id'))
    )
    with op.batch_alter_table('assignment_peer_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_peer_allocations_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_peer_allocations_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('assignment_peer_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_peer_allocations_version_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_peer_allocations_reviewer_id'))

    op.drop_table('assignment_peer_allocations')
    with op.batch_alter_table('assignment_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_files_version_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_files_user_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_files_storage_key'))

    op.drop_table('assignment_files')
    with op.batch_alter_table('assignment_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_assessments_version_id_role')
        batch_op.drop_index(batch_op.f('ix_assignment_assessments_assessor_id'))

    op.drop_table('assignment_assessments')
    with op.batch_alter_table('assignment_submission_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_submission_versions_submission_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_submission_versions_course_version_id'))

    op.drop_table('assignment_submission_versions')
    with op.batch_alter_table('assignment_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_submissions_course_id_status_submitted_at')

    op.drop_table('assignment_submissions')
