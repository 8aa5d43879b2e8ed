"""Certificates: one row per document issued (a re-issue adds a row, the old one superseded)

Revision ID: f91ee4b34747
Revises: 892e0b9ea6c0
Create Date: 2026-12-02 06:03:41.841898

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'f91ee4b34747'
down_revision = '892e0b9ea6c0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('achievement', 'participation', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('issue_number', sa.Integer(), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('course_title', sa.String(length=300), nullable=False),
    sa.Column('course_version', sa.String(length=32), nullable=False),
    sa.Column('completed_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('issued_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Enum('valid', 'revoked', 'superseded', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status_changed_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('status_reason', sa.String(length=500), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certificates_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['certificates.id'], name=op.f('fk_certificates_superseded_by_id_certificates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('public_id', name=op.f('uq_certificates_public_id')),
    sa.UniqueConstraint('user_id', 'course_id', 'kind', 'issue_number', name=op.f('uq_certificates_user_id_course_id_kind_issue_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_course_id'))

    op.drop_table('certificates')
