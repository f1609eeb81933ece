"""Counting the SQL statements a piece of code sends."""

import contextlib

from sqlalchemy import event


@contextlib.contextmanager
def counted_queries(db):
    """Collects into the yielded list each statement sent on `db`'s engine while the block runs."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
