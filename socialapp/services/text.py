"""What people write: #hashtags and @mentions found in it (the `linkify` filter in socialapp.templating
shows them as links).
"""

import re

from sqlalchemy import and_, func

from socialapp.extensions import db

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_POST = 30
# A tag or mention starts the text or follows a character that cannot be part of a word, so
# "a#b" and "me@example.com" are left alone.
TOKEN_RE = re.compile(r"(?<![\w#@&/])(?:#(?P<tag>\w{1,50})|@(?P<mention>[A-Za-z0-9_]{3,30}))(?!\w)")


def hashtags(text):
    """The distinct hashtags in `text`, lower-cased, in order of first appearance."""
    found = []
    for match in TOKEN_RE.finditer(text or ""):
        tag = match.group("tag")
        if tag and tag.lower() not in found:
            found.append(tag.lower())
    return found[:MAX_TAGS_PER_POST]


def mentions(text):
    """The distinct usernames @mentioned in `text`, lower-cased."""
    found = []
    for match in TOKEN_RE.finditer(text or ""):
        name = match.group("mention")
        if name and name.lower() not in found:
            found.append(name.lower())
    return found


def clean_text(text, max_length, error, empty, too_long, allow_empty=False):
    """What someone wrote (a post, a comment, a message) as it is kept: line ends as "\\n", no surrounding space.

    Refused with `error(message)`: `empty` when nothing is left (unless `allow_empty`), `too_long` when
    it has more than `max_length` characters; `too_long` may name {limit} and {length}.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text and not allow_empty:
        raise error(empty)
    if len(text) > max_length:
        raise error(too_long.format(limit=max_length, length=len(text)))
    return text


def after_prefix(prefix):
    """The first string after every string that starts with `prefix`, for a range an index can read; None
    when there is none (the last character is the last code point). Surrogates are skipped: no text holds
    them, and neither database driver can encode one."""
    code = ord(prefix[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return prefix[:-1] + chr(code) if code <= 0x10FFFF else None


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, prefix):
    """A WHERE clause: lower(`column`) starts with `prefix` (lower-case), LIKE's wildcards taken literally.

    lower(column) LIKE 'prefix%' is what the ix_users_*_prefix indexes (text_pattern_ops) serve on PostgreSQL.
    """
    lowered = func.lower(column)
    clause = lowered.like(_escape_like(prefix) + "%", escape="\\")
    if db.session.get_bind().dialect.name == "sqlite" and after_prefix(prefix):
        # SQLite's LIKE cannot use an index on lower(column); the same prefix as a range of strings can.
        clause = and_(clause, lowered >= prefix, lowered < after_prefix(prefix))
    return clause
