"""Keyset pages: lists walked newest first by (time, id), and the cursors that say where a page ended.

A cursor is "<time in ISO format>_<id>". Cursors come from URLs, so decoding checks them: a malformed
one, or an id outside 1..MAX_ID (PostgreSQL's integer), raises ValueError and never reaches SQL. The
lists here read such a cursor as "from the start".
"""

from datetime import datetime

from sqlalchemy import desc, tuple_

from socialapp.extensions import db

MAX_ID = 2**31 - 1


def row_id(text):
    """The id written in `text`: ValueError unless it is plain digits naming an id in 1..MAX_ID."""
    text = str(text or "")
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and 1 <= int(text) <= MAX_ID:
        return int(text)
    raise ValueError(f"not an id: {text[:20]!r}")


def encode(created_at, id_):
    """The cursor of a row: its time and its id."""
    return f"{created_at.isoformat()}_{id_}"


def decode(cursor):
    """(time, id) from a cursor made by `encode`; ValueError when it is malformed. A time with a zone is:
    stored times are naive (UTC), and Python cannot compare the two."""
    stamp, _, id_ = (cursor or "").rpartition("_")
    created_at = datetime.fromisoformat(stamp)
    if created_at.tzinfo is not None:
        raise ValueError(f"a cursor time with a zone: {stamp[:40]!r}")
    return created_at, row_id(id_)


def position(cursor):
    """`decode(cursor)`, or None when there is no cursor or it is malformed."""
    try:
        return decode(cursor)
    except ValueError:
        return None


def newest_first(stmt, time_column, id_column, cursor, limit):
    """`stmt` ordered newest first by (time, id), starting after `cursor` (from the start when it is
    absent or malformed), with one row more than `limit` so that `split` can tell whether more follow."""
    stmt = stmt.order_by(desc(time_column), desc(id_column)).limit(limit + 1)
    after = position(cursor)
    if after:
        # The plain comparison lets both databases start the index range at the cursor.
        stmt = stmt.where(time_column <= after[0], tuple_(time_column, id_column) < after)
    return stmt


def split(rows, limit, cursor_of):
    """(the first `limit` rows, the cursor of the next page or None): `rows` holds up to limit + 1."""
    page = rows[:limit]
    return page, (cursor_of(page[-1]) if len(rows) > limit else None)


def people_newest_first(stmt, time_column, id_column, cursor, limit):
    """(people, next cursor): a page of `stmt`, a SELECT of (User, `time_column`) such as a follow's or a
    block's time, newest first, with (that time, the person's id in `id_column`) as the cursor."""
    stmt = newest_first(stmt, time_column, id_column, cursor, limit)
    page, next_cursor = split(db.session.execute(stmt).all(), limit, lambda row: encode(row[1], row[0].id))
    return [person for person, _ in page], next_cursor
