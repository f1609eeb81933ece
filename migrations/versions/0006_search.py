"""full-text search over posts

Revision ID: 0006
Revises: 0005

The index lives in the database and is kept in step by the database itself (triggers on SQLite, a
generated column on PostgreSQL), so no code path that writes posts, the bulk loader included, can
forget it. Both sides cut text into runs of letters and digits, fold case and accents, and do not
stem, so a query finds the same posts on either database (see socialapp/services/search.py).
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = [
    # External content: the text stays in posts.body; the FTS5 table holds only the index. The last
    # word of every search is also a prefix (from 3 letters): the prefix index answers "mount*" from
    # one list, where FTS5 would otherwise merge the whole lists of every word starting so before
    # taking the newest (10 ms for a word in a quarter of a million posts). Prefixes of 3 to 6 letters
    # cover most words as typed, for a third more index; longer ones are merged.
    """CREATE VIRTUAL TABLE posts_fts USING fts5(
        body, content='posts', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
        prefix='3 4 5 6'
    )""",
    """CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
    # Only a change of text touches the index: likes and comments update their counters in posts
    # all the time.
    """CREATE TRIGGER posts_fts_update AFTER UPDATE OF body ON posts BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body);
    END""",
    "INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TABLE IF EXISTS posts_fts",
]

POSTGRESQL_UPGRADE = [
    # unaccent is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # 'simple' rather than 'english': people write in any language, and English stemming and stop
    # words would mangle other languages, make "the who" unsearchable, and find different posts than
    # SQLite's unicode61 tokenizer, which does not stem. unaccent folds accents as SQLite's
    # remove_diacritics does, so "cafe" finds "café" on both.
    "CREATE TEXT SEARCH CONFIGURATION socialapp_search (COPY = simple)",
    """ALTER TEXT SEARCH CONFIGURATION socialapp_search
        ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple""",
    # Punctuation becomes space first: PostgreSQL's parser would otherwise keep "example.com",
    # "me@example.com" or "a/b" as single tokens, where SQLite (and the query) see separate words.
    """ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('socialapp_search'::regconfig, regexp_replace(body, '[[:punct:]]+', ' ', 'g'))
    ) STORED""",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
]

POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS socialapp_search",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_UPGRADE)
    else:
        _run(SQLITE_UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_DOWNGRADE)
    else:
        _run(SQLITE_DOWNGRADE)
