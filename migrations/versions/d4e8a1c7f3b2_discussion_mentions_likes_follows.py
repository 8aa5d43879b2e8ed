"""People get an @handle; discussion gets likes, follows, accepted answers and the record of who was told of a post

Revision ID: d4e8a1c7f3b2
Revises: c0eef09f03e2
Create Date: 2026-12-02 19:20:00.000000

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

import moocplatform.database

# revision identifiers, used by Alembic.
revision = 'd4e8a1c7f3b2'
down_revision = 'c0eef09f03e2'
branch_labels = None
depends_on = None


def _base(name):
    # The same shape as accounts.handles.handle_base, frozen here: a migration must not change with the code.
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:20].strip("_")
    return base if len(base) >= 3 else "learner"


def _backfill_handles():
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('status', sa.String), sa.column('handle', sa.String))
    connection = op.get_bind()
    taken = set()
    rows = connection.execute(sa.select(users.c.id, users.c.display_name)
                              .where(users.c.status != 'deleted').order_by(users.c.id)).all()
    for user_id, name in rows:
        base = _base(name)
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}{n}"
        taken.add(handle)
        connection.execute(sa.update(users).where(users.c.id == user_id).values(handle=handle))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handle', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_handle'), ['handle'], unique=True)
    _backfill_handles()

    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('like_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('accepted_post_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_discussion_threads_accepted_post_id_discussion_posts'),
                                    'discussion_posts', ['accepted_post_id'], ['id'], ondelete='SET NULL')

    op.create_table('discussion_likes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_likes_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_likes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_likes')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_discussion_likes_post_id_user_id'))
    )
    with op.batch_alter_table('discussion_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_likes_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_threads.id'], name=op.f('fk_discussion_follows_thread_id_discussion_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_follows')),
    sa.UniqueConstraint('thread_id', 'user_id', name=op.f('uq_discussion_follows_thread_id_user_id'))
    )
    with op.batch_alter_table('discussion_follows', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_follows_thread_following', ['thread_id', 'following'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_follows_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_post_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('mention', 'reply', 'message', 'follow', name='reason', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', moocplatform.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_post_notices_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_post_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_post_notices')),
    sa.UniqueConstraint('post_id', 'user_id', name=op.f('uq_discussion_post_notices_post_id_user_id'))
    )
    with op.batch_alter_table('discussion_post_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_post_notices_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('discussion_post_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_post_notices_user_id'))
    op.drop_table('discussion_post_notices')
    with op.batch_alter_table('discussion_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_follows_user_id'))
        batch_op.drop_index('ix_discussion_follows_thread_following')
    op.drop_table('discussion_follows')
    with op.batch_alter_table('discussion_likes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_likes_user_id'))
    op.drop_table('discussion_likes')
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_discussion_threads_accepted_post_id_discussion_posts'),
                                 type_='foreignkey')
        batch_op.drop_column('accepted_post_id')
        batch_op.drop_column('like_count')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_handle'))
        batch_op.drop_column('handle')
