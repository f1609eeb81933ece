"""Search: posts (full text, ranked), people and hashtags, and the suggestions shown while typing.

What people type never reaches MATCH or to_tsquery as it is: it is cut into words (letters and
digits only, so no quote or operator survives), at most MAX_WORDS of them, every one required, the
last also as a prefix. The index itself, one function per database, is in search_index.
"""

import re
from dataclasses import dataclass

from sqlalchemy import desc, func, select

from socialapp.extensions import db
from socialapp.inputs import to_id
from socialapp.models import Post, PostHashtag, User
from socialapp.services import accounts, search_index, social
from socialapp.services.feed import PostPage, views
from socialapp.services.search_index import WORD_RE, fold, rank, window
from socialapp.services.text import MAX_TAG_LENGTH, after_prefix
from socialapp.services.visibility import may_interact

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_WORD_LENGTH = 60
# A shorter last word is matched whole: "to" finding "today" and "topic" would surprise more than help.
MIN_PREFIX_LENGTH = 3
TABS = {"posts": "Posts", "people": "People", "tags": "Hashtags"}

TAG_RE = re.compile(rf"#(\w{{1,{MAX_TAG_LENGTH}}})")
MENTION_RE = re.compile(r"@([A-Za-z0-9_]{3,30})")
POSTS_CURSOR_RE = re.compile(r"(\d{1,18})\.(\d{1,4})")


@dataclass(frozen=True)
class Terms:
    """The words of a query as the index is asked for them; the last one also as a prefix when `prefix`."""

    words: tuple
    prefix: bool

    def matcher(self):
        """A test of whether a word of a text is one of these terms, for highlighting."""
        folded = [fold(word) for word in self.words]
        exact, last = set(folded), folded[-1]

        def matches(word):
            word = fold(word)
            return word in exact or (self.prefix and word.startswith(last))

        return matches


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


def clean_query(query):
    """The query as typed, without control characters (PostgreSQL refuses NUL), trimmed, at most MAX_QUERY_LENGTH long."""
    return CONTROL_RE.sub(" ", (query or "")[: MAX_QUERY_LENGTH * 2]).strip()[:MAX_QUERY_LENGTH]


def query_terms(query):
    """The Terms of a query, or None when it has no word to search for."""
    words = [word for word in WORD_RE.findall(clean_query(query)) if len(word) <= MAX_WORD_LENGTH]
    words = tuple(words[:MAX_WORDS])
    if not words:
        return None
    return Terms(words, len(words[-1]) >= MIN_PREFIX_LENGTH)


def jump_target(viewer, query):
    """Where a query of just "#tag" or "@name" leads: ("tag", tag), ("person", user), or None.

    "@name" leads to the person only when they exist, are verified and no block stands between them.
    """
    query = clean_query(query)
    tag = TAG_RE.fullmatch(query)
    if tag:
        return "tag", tag.group(1).lower()
    mention = MENTION_RE.fullmatch(query)
    if mention:
        user = accounts.find_by_username(mention.group(1))
        if may_interact(viewer.id, user):
            return "person", user
    return None


def _decode_posts_cursor(cursor):
    match = POSTS_CURSOR_RE.fullmatch(cursor or "")
    if not match:
        return None, 0
    return to_id(match.group(1)), int(match.group(2))


def search_posts(viewer, query, cursor=None, limit=PAGE_SIZE):
    """Posts with every word of `query`, best match first, never by anyone in a block with the viewer
    or muted by them.

    A PostPage as the feed's, in four queries on SQLite (up to nine on PostgreSQL). The cursor,
    "<before>.<offset>", names the window (matches with ids below `before`) and the place in its
    ranking, so posts written meanwhile do not shift the pages.
    """
    terms = query_terms(query)
    if terms is None:
        return PostPage([])
    before, offset = _decode_posts_cursor(cursor)
    matches = window(viewer.id, terms, before)
    ranked = rank(matches, terms)
    next_cursor = None
    if offset + limit < len(ranked):
        top = before if before is not None else max(row.id for row in matches) + 1
        next_cursor = f"{top}.{offset + limit}"
    elif len(matches) == search_index.RANK_WINDOW:
        next_cursor = f"{min(row.id for row in matches)}.0"
    return PostPage(_load_posts(viewer.id, ranked[offset : offset + limit]), next_cursor)


def _load_posts(viewer_id, post_ids):
    if not post_ids:
        return []
    stmt = select(Post, User).join(User, User.id == Post.author_id).where(Post.id.in_(post_ids))
    position = {post_id: n for n, post_id in enumerate(post_ids)}
    return views(viewer_id, sorted(db.session.execute(stmt).all(), key=lambda row: position[row[0].id]))


def _decode_offset(cursor):
    return int(cursor) if cursor and cursor.isascii() and cursor.isdigit() and len(cursor) < 7 else 0


@dataclass
class PeoplePage:
    people: list
    following: set
    next_cursor: str | None = None


def people_page(viewer, query, cursor=None, limit=PAGE_SIZE):
    """A page of social.search_people's matches and whom of them the viewer follows; the cursor is an offset."""
    offset = _decode_offset(cursor)
    stmt = social.search_query(viewer, query, limit + 1)
    people = list(db.session.scalars(stmt.offset(offset))) if stmt is not None else []
    next_cursor = str(offset + limit) if len(people) > limit else None
    people = people[:limit]
    return PeoplePage(people, social.following_ids(viewer.id, [person.id for person in people]), next_cursor)


@dataclass
class TagsPage:
    tags: list  # (tag, number of posts)
    next_cursor: str | None = None


def tag_prefix(query):
    """The hashtag prefix in a query ("#Coffee" and "coffee" give "coffee"), or "" when there is none."""
    match = re.match(r"#?(\w+)", clean_query(query))
    return match.group(1).lower()[:MAX_TAG_LENGTH] if match else ""


def search_hashtags(viewer, query, cursor=None, limit=PAGE_SIZE):
    """Hashtags starting with the query's first word, most used first, with their numbers of posts.

    The numbers count every post, those of people in a block with the viewer too: a number is not
    content, and counting per viewer would join every tagged post. The tag pages leave theirs out.
    """
    prefix = tag_prefix(query)
    if not prefix:
        return TagsPage([])
    offset = _decode_offset(cursor)
    posts = func.count().label("posts")
    # A range of the primary key (tag, post_id), which both databases read in order.
    matches = PostHashtag.tag.startswith(prefix, autoescape=True)
    if after_prefix(prefix):
        matches &= PostHashtag.tag.between(prefix, after_prefix(prefix))
    stmt = (
        select(PostHashtag.tag, posts)
        .where(matches)
        .group_by(PostHashtag.tag)
        .order_by(desc(posts), PostHashtag.tag)
        .offset(offset)
        .limit(limit + 1)
    )
    rows = [tuple(row) for row in db.session.execute(stmt)]
    return TagsPage(rows[:limit], str(offset + limit) if len(rows) > limit else None)


@dataclass
class Suggestions:
    people: list
    tags: list


def suggestions(viewer, query, limit=5):
    """A few people and hashtags for what is typed so far ("#..." only hashtags, "@..." only people)."""
    query = clean_query(query)
    people = [] if query.startswith("#") else social.search_people(viewer, query, limit)
    tags = [] if query.startswith("@") else search_hashtags(viewer, query, limit=limit).tags
    return Suggestions(people, tags)
