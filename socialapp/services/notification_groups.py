"""Notifications as people see them: grouped at read time, without a table of groups.

Several people liking one post, commenting on one post, or following you make one item ("Ada and 3 others
liked your post"); a mention or a reply carries its own text and stays an item of its own. A group is
the set of a user's notifications with one (kind, group type, group ref), worked out by `_rows` in SQL:

- kinds grouped by their subject (`GROUPING[kind] == SUBJECT`): (subject type, subject id);
- comments, by the post they are on (`POST_OF_COMMENT`), found through the comment;
- every other kind (a new one too, by default): ("n", the notification's own id), a group of one.

Each group has a key, stable while it exists ("like-post-42", "follow", "mention-17"), which names its
row in the page (`notification-group-<key>`), its push, and the link that opens it. Groups are listed
newest first by their newest notification id, by keyset pages over that id, in a fixed number of
queries whatever the number of notifications.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, case, desc, distinct, func, literal_column, select, tuple_, update
from sqlalchemy.orm import aliased

from socialapp.extensions import db
from socialapp.models import Comment, Notification, Post, User
from socialapp.models.base import utcnow
from socialapp.realtime import publish_on_commit
from socialapp.services import paging
from socialapp.services.errors import NotFound
from socialapp.services.visibility import not_muted_by, visible_to

PAGE_SIZE = 20
SUBJECT, POST_OF_COMMENT = "subject", "post of comment"
# How a kind folds into groups; a kind not listed here is never grouped.
GROUPING = {"follow": SUBJECT, "like": SUBJECT, "message": SUBJECT, "comment": POST_OF_COMMENT}
# What each filter of the page shows: None for every kind. Mentions: what speaks to you with its own words.
FILTERS = {"all": None, "mentions": ("mention", "reply")}
# Kinds whose groups have a single actor, always: a conversation's messages all come from its other member.
# Their events carry the group's row (`carry`), so that pushing one reads only the count.
ONE_ACTOR = {"message"}
PERSON_FIELDS = ("id", "username", "first_name", "last_name", "avatar_key")  # what a row shows of an actor
NAMES_SHOWN = 2  # the newest actors pictured; the newest is named, the others counted
EXCERPT_LENGTH = 60
SINGLE = "n"  # the group type of a notification that is a group of its own
_KEY = re.compile(r"^([a-z_]{1,20})(?:-([a-z_]{1,20}))?(?:-([0-9]{1,10}))?$")
_Commented = aliased(Comment)


@dataclass
class Group:
    """One item of the list: who (the newest actors, and how many in all), what, and how recent."""

    key: str
    kind: str
    newest: Notification  # when, and (through its subject) where the item leads
    actors: list = field(default_factory=list)  # the newest actors, newest first, at most NAMES_SHOWN
    actor_count: int = 0
    unread: bool = False
    excerpt: str | None = None  # the start of the post or comment it is about

    @property
    def others(self):
        """How many actors are counted rather than named: all but the newest ("Ada and 3 others")."""
        return self.actor_count - 1


def _shown_to(user_id):
    """The WHERE clauses choosing which notifications a user sees: their own, and none whose actor is in a
    block with them, suspended, or muted by them. Every list, count and mark of notifications filters through
    here."""
    return (
        Notification.recipient_id == user_id,
        visible_to(user_id, Notification.actor_id),
        not_muted_by(user_id, Notification.actor_id),
    )


def _rows(user_id, kinds=None, unread_only=False):
    """A subquery of the notifications the user sees (id, kind, actor_id, read_at), each with its group
    (gtype, gref)."""
    by_subject = [kind for kind, how in GROUPING.items() if how == SUBJECT]
    by_post = [kind for kind, how in GROUPING.items() if how == POST_OF_COMMENT]
    gtype = case(
        (Notification.kind.in_(by_post), literal_column("'post'")),
        (Notification.kind.in_(by_subject), func.coalesce(Notification.subject_type, literal_column("''"))),
        else_=literal_column(f"'{SINGLE}'"),
    )
    gref = case(
        (Notification.kind.in_(by_post), _Commented.post_id),
        (Notification.kind.in_(by_subject), func.coalesce(Notification.subject_id, 0)),
        else_=Notification.id,
    )
    stmt = (
        select(
            Notification.id,
            Notification.kind,
            Notification.actor_id,
            Notification.read_at,
            gtype.label("gtype"),
            gref.label("gref"),
        )
        .outerjoin(
            _Commented,
            and_(
                Notification.kind.in_(by_post),
                Notification.subject_type == "comment",
                _Commented.id == Notification.subject_id,
            ),
        )
        .where(*_shown_to(user_id))
    )
    if kinds is not None:
        stmt = stmt.where(Notification.kind.in_(kinds))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.subquery()


def group_key(kind, gtype, gref):
    """The key of a group: "follow", "like-post-42", "mention-17"."""
    if gtype == SINGLE:
        return f"{kind}-{gref}"
    return f"{kind}-{gtype}-{gref}" if gtype else kind


def parse_key(key):
    """(kind, gtype, gref) of a group key, or None when it cannot be one."""
    match = _KEY.match(key or "")
    if not match:
        return None
    kind, gtype, gref = match.groups()
    if gref is not None and int(gref) > paging.MAX_ID:  # no row has it, and PostgreSQL would refuse it
        return None
    if gtype is None and gref is None:
        return kind, "", 0
    if gtype is None:
        return kind, SINGLE, int(gref)
    return (kind, gtype, int(gref)) if gref is not None else None


def key_of(kind, subject_type, subject_id, notification_id=None):
    """The key of the group a notification with these values falls in, without a query when it can (a
    comment's post is looked up in the session first). None when it cannot be told (a group of one whose
    notification has no id, a comment already gone)."""
    how = GROUPING.get(kind)
    if how == SUBJECT:
        return group_key(kind, subject_type or "", subject_id or 0)
    if how == POST_OF_COMMENT:
        comment = db.session.get(Comment, subject_id) if subject_type == "comment" and subject_id else None
        return group_key(kind, "post", comment.post_id) if comment else None
    return group_key(kind, SINGLE, notification_id) if notification_id else None


def _heads(rows):
    """SELECT of one row per group: kind, gtype, gref, newest (id), actors (distinct), unread (count)."""
    return (
        select(
            rows.c.kind,
            rows.c.gtype,
            rows.c.gref,
            func.max(rows.c.id).label("newest"),
            func.count(distinct(rows.c.actor_id)).label("actors"),
            func.sum(case((rows.c.read_at.is_(None), 1), else_=0)).label("unread"),
        )
        .group_by(rows.c.kind, rows.c.gtype, rows.c.gref)
        .order_by(desc("newest"))
    )


def page(user_id, before=None, limit=PAGE_SIZE, show="all"):
    """(groups, next cursor): the user's groups newest first, `limit` of them from before the group whose
    newest notification id is `before`; `show` is a key of FILTERS."""
    rows = _rows(user_id, FILTERS[show])
    stmt = _heads(rows).limit(limit + 1)
    if before:
        stmt = stmt.having(func.max(rows.c.id) < before)
    heads, next_before = paging.split(db.session.execute(stmt).all(), limit, lambda head: head.newest)
    return _filled(user_id, heads), next_before


def find(user_id, key):
    """The user's group with this key, or None (no such group, a bad key, or all of it hidden)."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    rows = _rows(user_id, [parsed[0]])
    head = db.session.execute(_heads(rows).where(*_matching(rows, parsed))).first()
    return _filled(user_id, [head])[0] if head else None


def _matching(rows, parsed):
    kind, gtype, gref = parsed
    return rows.c.kind == kind, rows.c.gtype == gtype, rows.c.gref == gref


def _filled(user_id, heads):
    """Groups from their heads: with their newest notification, newest actors and excerpt, in at most four
    more queries for any number of groups."""
    if not heads:
        return []
    newest = {
        n.id: n for n in db.session.scalars(select(Notification).where(Notification.id.in_([h.newest for h in heads])))
    }
    groups = [
        Group(
            key=group_key(head.kind, head.gtype, head.gref),
            kind=head.kind,
            newest=newest[head.newest],
            actor_count=head.actors,
            unread=bool(head.unread),
        )
        for head in heads
    ]
    by_key = {group.key: group for group in groups}
    for key, actor in _newest_actors(user_id, [(h.kind, h.gtype, h.gref) for h in heads]):
        by_key[key].actors.append(actor)
    _add_excerpts(groups, heads)
    return groups


def _newest_actors(user_id, keys):
    """(group key, actor) of the NAMES_SHOWN newest distinct actors of each group, newest first."""
    rows = _rows(user_id, sorted({kind for kind, _, _ in keys}))
    per_actor = (
        select(rows.c.kind, rows.c.gtype, rows.c.gref, rows.c.actor_id, func.max(rows.c.id).label("last"))
        .where(tuple_(rows.c.kind, rows.c.gtype, rows.c.gref).in_(keys))
        .group_by(rows.c.kind, rows.c.gtype, rows.c.gref, rows.c.actor_id)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=(per_actor.c.kind, per_actor.c.gtype, per_actor.c.gref), order_by=per_actor.c.last.desc()
    )
    ranked = select(per_actor, rank.label("rank")).subquery()
    stmt = (
        select(ranked.c.kind, ranked.c.gtype, ranked.c.gref, User)
        .join(User, User.id == ranked.c.actor_id)
        .where(ranked.c.rank <= NAMES_SHOWN)
        .order_by(ranked.c.last.desc())
    )
    return [(group_key(kind, gtype, gref), user) for kind, gtype, gref, user in db.session.execute(stmt)]


def _subject(group, head):
    """(type, id) of what the group is about: the group's own subject, or its one notification's."""
    if head.gtype == SINGLE:
        return group.newest.subject_type, group.newest.subject_id
    return head.gtype, head.gref


def _add_excerpts(groups, heads):
    subjects = [_subject(group, head) for group, head in zip(groups, heads, strict=True)]
    post_ids = {sid for stype, sid in subjects if stype == "post"}
    comment_ids = {sid for stype, sid in subjects if stype == "comment"}
    texts = {}
    if post_ids:
        texts.update(
            (("post", pid), body)
            for pid, body in db.session.execute(select(Post.id, Post.body).where(Post.id.in_(post_ids)))
        )
    if comment_ids:
        stmt = select(Comment.id, Comment.body).where(Comment.id.in_(comment_ids), Comment.deleted_at.is_(None))
        texts.update((("comment", cid), body) for cid, body in db.session.execute(stmt))
    for group, subject in zip(groups, subjects, strict=True):
        group.excerpt = shorten(texts.get(subject))


def shorten(text, length=EXCERPT_LENGTH):
    """The start of `text` on one line, cut at a word and ended with "…" when longer than `length`; None
    for no text."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" .,;:!?") + "…"


@functools.cache
def _unread_count_stmt():
    # Built once, with the user as a parameter: every page's bell counts, and building this statement
    # cost several times the SQL it sends.
    rows = _rows(bindparam("user_id", type_=Integer), unread_only=True)
    groups = select(rows.c.kind, rows.c.gtype, rows.c.gref).distinct().subquery()
    return select(func.count()).select_from(groups)


def unread_count(user_id):
    """How many of the user's groups hold an unread notification: the number on the bell."""
    return db.session.scalar(_unread_count_stmt(), {"user_id": user_id})


def carry(created_at, actor):
    """What the row of a ONE_ACTOR group shows once a notification came into it, for its event: when, and
    who. The rest (unread, one actor, no excerpt) holds for every such group with a new notification."""
    return {"created_at": created_at.isoformat(), "actor": {name: getattr(actor, name) for name in PERSON_FIELDS}}


@functools.cache
def _count_and_shown_stmt():
    # Built once, with parameters, as the count is: every chat message's push asks it.
    user_id, actor_id = bindparam("user_id", type_=Integer), bindparam("actor_id", type_=Integer)
    shown = case((and_(visible_to(user_id, actor_id), not_muted_by(user_id, actor_id)), 1), else_=0)
    return select(_unread_count_stmt().scalar_subquery(), shown)


def carried_group(user_id, key, carried):
    """(unread count, group) for the push of a ONE_ACTOR group whose event carries its row (`carry`), in one
    query: the group is None when its actor is hidden from the user now (a block, a suspension or a mute
    made since), as `find` would have it."""
    kind, gtype, gref = parse_key(key)
    actor = User(**carried["actor"])
    count, shown = db.session.execute(_count_and_shown_stmt(), {"user_id": user_id, "actor_id": actor.id}).one()
    if not shown:
        return count, None
    created_at = datetime.fromisoformat(carried["created_at"])
    newest = Notification(kind=kind, subject_type=gtype, subject_id=gref, actor_id=actor.id, created_at=created_at)
    return count, Group(key=key, kind=kind, newest=newest, actors=[actor], actor_count=1, unread=True)


def open_group(user_id, key):
    """Mark every notification of the user's group `key` read, and return the group (for where it leads).

    NotFound when the user has no such group (none, not theirs, a bad key, or its actors all hidden).
    """
    group = find(user_id, key)
    if group is None:
        raise NotFound("There is no such notification.")
    rows = _rows(user_id, [group.kind], unread_only=True)
    unread = select(rows.c.id).where(*_matching(rows, parse_key(key)))
    result = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(unread))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        publish_on_commit(user_id, "notification", group=key)  # the user's other tabs show it read
    db.session.commit()
    return group


def mark_all_read(user_id):
    """Mark every notification of the user read."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        publish_on_commit(user_id, "notification")
    db.session.commit()
