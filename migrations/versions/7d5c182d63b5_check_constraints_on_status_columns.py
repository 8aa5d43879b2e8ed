"""CHECK constraints on the status, mode and kind columns

Revision ID: 7d5c182d63b5
Revises: 5c1e7a9d2b34
Create Date: 2026-12-02 05:00:00.000000

The stored strings do not change: each column keeps its VARCHAR and gains a named CHECK constraint listing the
values the code knows (the StrEnums of the models). The values are written out here, not imported, so that this
migration keeps meaning what it meant when a later one changes a list. On SQLite, batch mode rebuilds each
table; migrations/env.py turns foreign-key enforcement off meanwhile, so dropping the old copy of a parent
table (users, courses, course_versions) cascades nowhere.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d5c182d63b5'
down_revision = '5c1e7a9d2b34'
branch_labels = None
depends_on = None

# table -> (column, allowed values), in the order the tables are rebuilt on SQLite.
CHECKS = {
    'users': [('status', ('active', 'suspended', 'deleted'))],
    'consents': [('kind', ('terms', 'privacy', 'minimum_age'))],
    'courses': [('status', ('active', 'archived')), ('enrolment_mode', ('open', 'invitation', 'window'))],
    'course_versions': [('status', ('draft', 'live', 'superseded'))],
    'enrollments': [('status', ('active', 'left'))],
    'quiz_attempts': [('status', ('in_progress', 'submitted'))],
}


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in checks:
                batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), _condition(column, values))


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _values in checks:
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
