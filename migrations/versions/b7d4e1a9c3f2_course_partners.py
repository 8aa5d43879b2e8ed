"""The partner organisations a course's live version names by slug, which co-own the course

Revision ID: b7d4e1a9c3f2
Revises: a4d9e2c7b5f1
Create Date: 2026-12-03 12:20:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d4e1a9c3f2'
down_revision = 'a4d9e2c7b5f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'course_partners',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_partners_course_id_courses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_partners')),
        sa.UniqueConstraint('course_id', 'slug', name=op.f('uq_course_partners_course_id_slug')),
    )
    with op.batch_alter_table('course_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_partners_slug'), ['slug'], unique=False)
    # Courses published before: their live versions' partner slugs.
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.id, v.manifest FROM courses c JOIN course_versions v ON v.id = c.live_version_id")).all()
    partners = sa.table('course_partners', sa.column('course_id', sa.Integer), sa.column('position', sa.Integer),
                        sa.column('slug', sa.String))
    values = []
    for course_id, manifest in rows:
        if isinstance(manifest, str):
            manifest = json.loads(manifest)
        seen = set()
        for partner in (manifest or {}).get('partners') or []:
            slug = partner.get('slug')
            if slug and slug not in seen:
                seen.add(slug)
                values.append({'course_id': course_id, 'position': len(seen) - 1, 'slug': slug})
    if values:
        op.bulk_insert(partners, values)


def downgrade():
    with op.batch_alter_table('course_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_partners_slug'))
    op.drop_table('course_partners')
