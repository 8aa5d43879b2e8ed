"""quiz attempts and exceptions (learner data keyed by course and quiz key)

Revision ID: 862631dfb0f5
Revises: 10213a804fde
Create Date: 2026-11-25 14:00:16.972995

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import moocplatform.database

# revision identifiers, used by Alembic.
revision = '862631dfb0f5'
down_revision = '10213a804fde'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('quiz_key', sa.String(length=64), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_quiz_exceptions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_quiz_exceptions_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_exceptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_exceptions'))
    )
    with op.batch_alter_table('quiz_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_exceptions_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_quiz_exceptions_user_id_course_id_quiz_key', ['user_id', 'course_id', 'quiz_key'], unique=False)

    op.create_table('quiz_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('quiz_key', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('question_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('option_orders', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.Column('deadline', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('responses', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('saved_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', moocplatform.database.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('results', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_quiz_attempts_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_attempts_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_quiz_attempts_version_id_course_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts')),
    sa.UniqueConstraint('user_id', 'course_id', 'quiz_key', 'number', name=op.f('uq_quiz_attempts_user_id_course_id_quiz_key_number'))
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_course_id_quiz_key', ['course_id', 'quiz_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempts_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempts_version_id'))
        batch_op.drop_index('ix_quiz_attempts_course_id_quiz_key')

    op.drop_table('quiz_attempts')
    with op.batch_alter_table('quiz_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_exceptions_user_id_course_id_quiz_key')
        batch_op.drop_index(batch_op.f('ix_quiz_exceptions_course_id'))

    op.drop_table('quiz_exceptions')
