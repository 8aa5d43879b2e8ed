"""quiz definitions stored with content versions

Revision ID: 10213a804fde
Revises: 017f0c95b32b
Create Date: 2026-11-25 13:52:32.300075

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '10213a804fde'
down_revision = '017f0c95b32b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('questions', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('source_path', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_quiz_definitions_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_definitions')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_quiz_definitions_version_id_key'))
    )
    with op.batch_alter_table('quiz_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_definitions_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('quiz_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_definitions_version_id'))

    op.drop_table('quiz_definitions')
