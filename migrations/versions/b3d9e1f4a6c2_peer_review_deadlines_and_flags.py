"""Peer reviews are started, released when not started in time, and a reviewed learner can flag one as unfair

Revision ID: b3d9e1f4a6c2
Revises: b4e8d2c6a1f3
Create Date: 2026-12-02 19:25:00.000000

"""
import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'b3d9e1f4a6c2'
down_revision = 'b4e8d2c6a1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_peer_allocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', moocplatform.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('released_at', moocplatform.database.UTCDateTime(), nullable=True))
    op.create_table(
        'assignment_review_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('flagged_by', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
        sa.Column('resolved_at', moocplatform.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assignment_assessments.id'],
                                name=op.f('fk_assignment_review_flags_assessment_id_assignment_assessments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['flagged_by'], ['users.id'],
                                name=op.f('fk_assignment_review_flags_flagged_by_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['assignment_submissions.id'],
                                name=op.f('fk_assignment_review_flags_submission_id_assignment_submissions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_review_flags')),
        sa.UniqueConstraint('assessment_id', name=op.f('uq_assignment_review_flags_assessment_id')),
    )
    with op.batch_alter_table('assignment_review_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_review_flags_flagged_by'), ['flagged_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_review_flags_submission_id'), ['submission_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('assignment_review_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_review_flags_submission_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_review_flags_flagged_by'))
    op.drop_table('assignment_review_flags')
    with op.batch_alter_table('assignment_peer_allocations', schema=None) as batch_op:
        batch_op.drop_column('released_at')
        batch_op.drop_column('started_at')
