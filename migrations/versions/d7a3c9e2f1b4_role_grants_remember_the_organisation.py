"""role grants remember the partner organisation that gave them

Revision ID: d7a3c9e2f1b4
Revises: c5e2a8f4d1b9
Create Date: 2026-12-03 20:15:00.000000

A person may then hold one role on one scope from several sources (directly, and through each partner), a
row each. Grants from before have no recorded source and count as given directly: none is taken away when an
organisation's member leaves it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7a3c9e2f1b4'
down_revision = 'c5e2a8f4d1b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via_organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_role_grants_via_organisation_id'), ['via_organisation_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_role_grants_via_organisation_id_organisations'),
                                    'organisations', ['via_organisation_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint('uq_role_grants_user_id_role_scope_type_scope_id', type_='unique')
        batch_op.create_unique_constraint('uq_role_grants_user_role_scope_source',
                                          ['user_id', 'role', 'scope_type', 'scope_id', 'via_organisation_id'])


def downgrade():
    # One row per role and scope again: a grant given through an organisation goes where another source
    # gives the same role.
    op.execute("DELETE FROM role_grants WHERE via_organisation_id IS NOT NULL AND EXISTS ("
               "SELECT 1 FROM role_grants AS other WHERE other.id <> role_grants.id "
               "AND other.user_id = role_grants.user_id AND other.role = role_grants.role "
               "AND other.scope_type = role_grants.scope_type AND other.scope_id = role_grants.scope_id "
               "AND (other.via_organisation_id IS NULL OR other.id < role_grants.id))")
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_constraint('uq_role_grants_user_role_scope_source', type_='unique')
        batch_op.create_unique_constraint('uq_role_grants_user_id_role_scope_type_scope_id',
                                          ['user_id', 'role', 'scope_type', 'scope_id'])
        batch_op.drop_constraint(batch_op.f('fk_role_grants_via_organisation_id_organisations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_role_grants_via_organisation_id'))
        batch_op.drop_column('via_organisation_id')
