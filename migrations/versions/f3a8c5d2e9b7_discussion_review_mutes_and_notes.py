"""Discussion holds posts for review, mutes learners in a course, and a moderator's edit carries a note

Revision ID: f3a8c5d2e9b7
Revises: e7c2a9d4b1f6
Create Date: 2026-12-03 07:31:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'f3a8c5d2e9b7'
down_revision = 'e7c2a9d4b1f6'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode (see downgrade): plain ALTER TABLE keeps the search index's triggers.
    op.add_column('discussion_posts', sa.Column('held_at', moocplatform.database.UTCDateTime(), nullable=True))
    op.add_column('discussion_posts', sa.Column('moderator_note', sa.String(length=500), server_default='',
                                                nullable=False))
    op.create_index(op.f('ix_discussion_posts_held_at'), 'discussion_posts', ['held_at'], unique=False)
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_at', moocplatform.database.UTCDateTime(), nullable=True))

    op.create_table(
        'discussion_mutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('muted_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('ends_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('lifted_at', moocplatform.database.UTCDateTime(), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_discussion_mutes_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_mutes_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['muted_by_id'], ['users.id'], name=op.f('fk_discussion_mutes_muted_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_discussion_mutes_lifted_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_mutes')),
    )
    with op.batch_alter_table('discussion_mutes', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_mutes_course_user', ['course_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_mutes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('discussion_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_mutes_user_id'))
        batch_op.drop_index('ix_discussion_mutes_course_user')
    op.drop_table('discussion_mutes')
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.drop_column('held_at')
    # Not in batch mode: SQLite would copy the table and lose the search index's triggers on it.
    op.drop_index(op.f('ix_discussion_posts_held_at'), table_name='discussion_posts')
    op.drop_column('discussion_posts', 'moderator_note')
    op.drop_column('discussion_posts', 'held_at')
