"""discussion full-text search: PostgreSQL tsvector + GIN, SQLite FTS5 kept by triggers

Revision ID: be68d4433ab2
Revises: f91ee4b34747
Create Date: 2026-12-02 14:20:00

"""
from alembic import op

revision = 'be68d4433ab2'
down_revision = 'f91ee4b34747'
branch_labels = None
depends_on = None

# The names moocplatform/dialect.py's text search expects.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE discussion_posts_fts USING fts5(body_source, content='discussion_posts', "
    "content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER discussion_posts_fts_insert AFTER INSERT ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(rowid, body_source) VALUES (new.id, new.body_source); END",
    "CREATE TRIGGER discussion_posts_fts_delete AFTER DELETE ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(discussion_posts_fts, rowid, body_source) "
    "VALUES ('delete', old.id, old.body_source); END",
    "CREATE TRIGGER discussion_posts_fts_update AFTER UPDATE OF body_source ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(discussion_posts_fts, rowid, body_source) "
    "VALUES ('delete', old.id, old.body_source); "
    "INSERT INTO discussion_posts_fts(rowid, body_source) VALUES (new.id, new.body_source); END",
    "INSERT INTO discussion_posts_fts(discussion_posts_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER discussion_posts_fts_update",
    "DROP TRIGGER discussion_posts_fts_delete",
    "DROP TRIGGER discussion_posts_fts_insert",
    "DROP TABLE discussion_posts_fts",
]
POSTGRES_UP = [
    "ALTER TABLE discussion_posts ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body_source)) STORED",
    "CREATE INDEX ix_discussion_posts_search ON discussion_posts USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX ix_discussion_posts_search",
    "ALTER TABLE discussion_posts DROP COLUMN search_vector",
]


def upgrade():
    for statement in (SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP):
        op.execute(statement)


def downgrade():
    for statement in (SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN):
        op.execute(statement)
