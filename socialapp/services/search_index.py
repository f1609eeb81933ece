"""The full-text index of posts, one function per database, and the ranking of what it finds.

Migration 0006 builds the index: an FTS5 table kept by triggers on SQLite, a generated tsvector
column with a GIN index on PostgreSQL. Both cut text into runs of letters and digits and fold case
and accents, without stemming, so a query finds the same posts on either.

Ranking every match of a common word would read a good part of all posts, so a search takes a
window: the newest RANK_WINDOW matches below an id, which `rank` orders best first.
"""

import re
import unicodedata
from collections import Counter
from functools import cache

from sqlalchemy import column, desc, func, literal_column, select, table, text

from socialapp.extensions import db
from socialapp.models import Post
from socialapp.services.visibility import not_muted_by, visible_to

# A multiple of the page size, so that every page but the last is full.
RANK_WINDOW = 200
# Ranking reads the start of each post; posts can be 5,000 characters long.
SCORED_LENGTH = 2000
# PostgreSQL: how many of the newest posts to probe, and how far to walk the key at most.
PROBE_ROWS = 2000
MAX_SCAN_ROWS = 60_000

# A word, as both indexes cut text: a run of letters and digits.
WORD_RE = re.compile(r"[^\W_]+")


@cache
def _combining_marks():
    return {code: None for code in range(0x300, 0x20000) if unicodedata.combining(chr(code))}


def fold(text):
    """`text` without accents, case-folded: words as both indexes compare them, near enough to rank and highlight."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFD", text).translate(_combining_marks()).casefold()


def window(viewer_id, terms, before=None):
    """(id, body) of the newest RANK_WINDOW posts with ids below `before` that match every term,
    newest first, none by anyone in a block with the viewer or muted by them; `body` is the start of the text."""
    if db.engine.dialect.name == "postgresql":
        return _postgresql_window(viewer_id, terms, before)
    return _sqlite_window(viewer_id, terms, before)


def _scored_text(body=Post.body):
    return func.substr(body, 1, SCORED_LENGTH).label("body")


def _sqlite_window(viewer_id, terms, before):
    # Words are letters and digits only, so quoting them is all MATCH needs to take them literally.
    quoted = [f'"{word}"' for word in terms.words]
    if terms.prefix:
        quoted[-1] += "*"
    fts = table("posts_fts", column("rowid"))
    # FTS5 walks its lists newest first and stops at the window. Its prefix index (migration 0006)
    # serves prefixes of 3 to 6 letters without merging the lists of every word that starts so.
    stmt = (
        select(Post.id, _scored_text())
        .select_from(fts)
        .join(Post, Post.id == fts.c.rowid)
        .where(text("posts_fts MATCH :match").bindparams(match=" AND ".join(quoted)))
        .where(visible_to(viewer_id, Post.author_id), not_muted_by(viewer_id, Post.author_id))
        .order_by(desc(fts.c.rowid))
        .limit(RANK_WINDOW)
    )
    if before is not None:
        stmt = stmt.where(fts.c.rowid < before)
    return db.session.execute(stmt).all()


def _tsquery(terms):
    # Words are letters and digits only: no tsquery operator can come from what was typed.
    words = list(terms.words)
    if terms.prefix:
        words[-1] += ":*"
    return func.to_tsquery(literal_column("'socialapp_search'::regconfig"), " & ".join(words))


def _vector():
    return literal_column("posts.search_vector")


def _pg_newest(viewer_id, tsquery, before, scan, want):
    """Matches among the `scan` newest posts below `before`: a walk of the primary key, bounded."""
    newest = select(Post.id, Post.author_id, _scored_text(), _vector().label("vector"))
    if before is not None:
        newest = newest.where(Post.id < before)
    newest = newest.order_by(desc(Post.id)).limit(scan).subquery()
    stmt = (
        select(newest.c.id, newest.c.body)
        .where(
            newest.c.vector.op("@@")(tsquery),
            visible_to(viewer_id, newest.c.author_id),
            not_muted_by(viewer_id, newest.c.author_id),
        )
        .order_by(desc(newest.c.id))
        .limit(want)
    )
    return db.session.execute(stmt).all()


def _pg_lowest(before, scan):
    """The lowest id of the `scan` newest posts below `before`, or None when no more remain."""
    ids = select(Post.id)
    if before is not None:
        ids = ids.where(Post.id < before)
    ids = ids.order_by(desc(Post.id)).limit(scan).subquery()
    lowest, count = db.session.execute(select(func.min(ids.c.id), func.count())).one()
    return lowest if count == scan else None


def _pg_indexed(viewer_id, tsquery, before, want):
    """Matches below `before` from the GIN index; ordering by id + 0 keeps the planner off the key."""
    # psycopg prepares a statement run five times, and PostgreSQL then tries a generic plan, which
    # cannot see the words and walks the whole table (30 ms instead of 1 here); plan for these words.
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    stmt = (
        select(Post.id, _scored_text())
        .where(
            _vector().op("@@")(tsquery),
            Post.id < before,
            visible_to(viewer_id, Post.author_id),
            not_muted_by(viewer_id, Post.author_id),
        )
        .order_by(desc(Post.id + 0))
        .limit(want)
    )
    return db.session.execute(stmt).all()


def _postgresql_window(viewer_id, terms, before):
    # The GIN index finds a rare word at once but must read every match of a common one; the primary
    # key, walked newest first, fills the window at once for a common word but crosses the whole
    # table for a rare one. The planner cannot tell them apart for a word it has no statistics on,
    # nor for one common long ago and rare now, so the newest posts are probed first and the rate of
    # matches there decides: walk on along the key, or take the rest from the index.
    tsquery = _tsquery(terms)
    found = _pg_newest(viewer_id, tsquery, before, PROBE_ROWS, RANK_WINDOW)
    if len(found) == RANK_WINDOW:
        return found
    lowest = _pg_lowest(before, PROBE_ROWS)
    if lowest is None:
        return found  # the probe saw every post there is
    more = (RANK_WINDOW - len(found)) * PROBE_ROWS // max(len(found), 1) * 3 // 2
    if found and more <= MAX_SCAN_ROWS:
        found += _pg_newest(viewer_id, tsquery, lowest, more, RANK_WINDOW - len(found))
        if len(found) == RANK_WINDOW:
            return found
        lowest = _pg_lowest(lowest, more)
        if lowest is None:
            return found
    return found + _pg_indexed(viewer_id, tsquery, lowest, RANK_WINDOW - len(found))


# BM25's term frequency and length parts. Every post in a window has every word, so the inverse
# document frequency, which SQLite's bm25() computes by reading every match of every word (a third
# of the posts for a common word), would change little; one ranking here orders alike on both databases.
K1 = 1.2
B = 0.75


def rank(rows, terms):
    """The ids of (id, body) rows, best match first, then newest."""
    words = [fold(word) for word in terms.words]
    scored = []
    for row in rows:
        counts = Counter(WORD_RE.findall(fold(row.body)))
        frequencies = [counts[word] for word in words]
        if terms.prefix:
            frequencies[-1] = sum(n for token, n in counts.items() if token.startswith(words[-1]))
        scored.append((row.id, frequencies, counts.total()))
    average = sum(length for _, _, length in scored) / len(scored) if scored else 1

    def score(item):
        post_id, frequencies, length = item
        norm = K1 * (1 - B + B * length / (average or 1))
        return -sum(f * (K1 + 1) / (f + norm) for f in frequencies), -post_id

    return [item[0] for item in sorted(scored, key=score)]
