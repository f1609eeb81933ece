"""Export my data: one person's profile, posts, comments, likes, follows, blocks and chat messages as JSON,
with their pictures, in one zip (README.txt inside says what each file holds).

Nothing is held in memory whole, whatever the size of the account:
- rows are read in keyset batches of EXPORT_BATCH_SIZE, each batch one query starting after the last row
  of the one before, as plain column rows that the session does not keep;
- each list is a JSON array written one element (one line) at a time into its zip entry;
- pictures are copied into the zip in chunks, from the local folder or the object store alike.

The zip is written to an anonymous temporary file with the standard library's zipfile and sent from there
(rather than streamed as it is made, which would need a new dependency): memory stays bounded all the same,
a failure while building is answered with an error page instead of a download cut short, the database is
read in one short stretch instead of for as long as a slow connection takes to download, and the download
has a length, so browsers show its progress. The cost is disk space for each export while it is sent; the
file has no name, so the system takes it back when it is closed, even if the process dies.
"""

import contextlib
import io
import json
import tempfile
import zipfile

from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.orm import aliased

from socialapp.extensions import db
from socialapp.models import Block, Comment, ConversationMember, Follow, Like, Message, Post, PostImage, User
from socialapp.models.accounts import SOCIAL_LINKS
from socialapp.models.base import utcnow
from socialapp.services import images, pictures, profiles, storage

# Pictures are stored in sizes only; the largest size kept is the nearest to what was uploaded.
AVATAR_SIZES = sorted(profiles.PICTURE_VARIANTS, key=lambda name: -profiles.PICTURE_VARIANTS[name][0])

README = """\
Your data from {site}, exported for @{username} on {date} (times are UTC).

Each .json file is a JSON array with one item a line, oldest first, except profile.json (one object).

profile.json    Your profile: names, username, email address, bio, about, address, country, links,
                time zone, when you joined, your follower and following counts, and the file name
                of your profile picture.
posts.json      Your posts: text, when written and last edited, like and comment counts, and each
                picture's file name (under pictures/posts/), its alt text and its size.
comments.json   Your comments and replies: the post they are on (its id and author), the comment
                they answer, text, when written and edited. Comments you deleted are left out.
likes.json      The posts you liked: the post's id and author, and when.
following.json  The people you follow, and since when.
followers.json  The people who follow you, and since when.
blocks.json     The people you blocked, and when.
messages.json   Your chat messages, sent and received, conversation by conversation: who the
                conversation is with, who sent each message and to whom, its text and when.
                Deleted messages are left out.
pictures/       Your profile picture (avatar.jpg) and your posts' pictures (posts/), in the
                largest size kept.
"""


def export_filename(user, today=None):
    """The download's file name: the username and the date."""
    return f"socialapp-{user.username}-{(today or utcnow()).date().isoformat()}.zip"


def export_archive(user):
    """Everything `user` has here, as a zip in a nameless temporary file (in EXPORT_TEMP_DIR, else the
    system's), returned open and rewound: the caller sends it and closes it, which deletes it."""
    out = tempfile.TemporaryFile(dir=current_app.config.get("EXPORT_TEMP_DIR") or None)  # noqa: SIM115 (the caller closes it)
    try:
        with _one_snapshot():
            write_export(user, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


@contextlib.contextmanager
def _one_snapshot():
    """On PostgreSQL, read the whole export in one snapshot (REPEATABLE READ), so that its files agree with
    each other whatever is written meanwhile: a post deleted halfway is in both posts.json and pictures/ or
    in neither. SQLite reads each batch as it stands. The request has written nothing, so the transaction
    it has open is ended to begin this one."""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        yield
    finally:
        db.session.rollback()


def write_export(user, out):
    """Write the zip of `user`'s data to the binary file `out` (seekable), batch by batch."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = README.format(site=_site_name(), username=user.username, date=utcnow().date().isoformat())
        archive.writestr("README.txt", readme)
        # Pictures first: the JSON files name only those the zip holds, with no second look in the store.
        added = _add_pictures(archive, user)
        profile = _profile(user, "pictures/avatar.jpg" in added)
        archive.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False) + "\n")
        _write_array(archive, "posts.json", _posts(user.id, added))
        _write_array(archive, "comments.json", _comments(user.id))
        _write_array(archive, "likes.json", _likes(user.id))
        _write_array(archive, "following.json", _following(user.id))
        _write_array(archive, "followers.json", _followers(user.id))
        _write_array(archive, "blocks.json", _blocks(user.id))
        _write_array(archive, "messages.json", _messages(user.id))


def _site_name():
    return current_app.config.get("SERVER_NAME") or "socialapp"


def _time(at):
    """A stored (naive UTC) time as ISO 8601 with its zone, or None."""
    return at.isoformat(timespec="seconds") + "Z" if at else None


def _write_array(archive, name, items):
    """A JSON array in the zip entry `name`, one item a line, written as the items come."""
    with archive.open(name, "w") as entry, io.TextIOWrapper(entry, encoding="utf-8") as text:
        text.write("[")
        for n, item in enumerate(items):
            text.write(",\n" if n else "\n")
            text.write(json.dumps(item, ensure_ascii=False))
        text.write("\n]\n")


def _batches(stmt, keys, key_of):
    """The rows of `stmt` in the order of `keys` (columns unique together), as lists of EXPORT_BATCH_SIZE:
    each is one query starting after the last row of the one before, so no cursor stays open between
    batches and only one batch is in memory. `key_of(row)` gives a row's values of `keys`."""
    size = current_app.config["EXPORT_BATCH_SIZE"]
    after = None
    while True:
        batch = stmt.order_by(*keys).limit(size)
        if after is not None:
            batch = batch.where(tuple_(*keys) > tuple_(*after) if len(keys) > 1 else keys[0] > after[0])
        rows = db.session.execute(batch).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = key_of(rows[-1])


def _in_batches(stmt, keys, key_of):
    """The rows of `_batches`, one by one."""
    for rows in _batches(stmt, keys, key_of):
        yield from rows


def _profile(user, has_avatar):
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "bio": user.bio,
        "about": user.about,
        "address": user.address,
        "country": user.country,
        "links": {key: getattr(user, key) for key, _ in SOCIAL_LINKS if getattr(user, key)},
        "time_zone": user.time_zone,
        "joined_at": _time(user.created_at),
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "picture": "pictures/avatar.jpg" if has_avatar else None,
    }


def _post_picture(user_id, row):
    """(media key, name in the zip) of a post picture's largest stored file (pictures.full_file), or
    (None, None) for a malformed reference."""
    variant, extension = pictures.full_file(row)
    try:
        name = images.media_key(user_id, row.key, variant, extension)
    except ValueError:
        return None, None
    return name, f"pictures/posts/{row.post_id}-{row.position + 1}.{extension}"


def _post_pictures(user_id, post_ids, added):
    """{post id: [picture]} for a batch of posts, in one query; `added` the names of the files in the zip."""
    rows = db.session.execute(
        select(
            PostImage.post_id, PostImage.key, PostImage.position, PostImage.alt_text, PostImage.width, PostImage.height
        )
        .where(PostImage.post_id.in_(post_ids))
        .order_by(PostImage.post_id, PostImage.position)
    )
    found = {}
    for row in rows:
        _, name = _post_picture(user_id, row)
        found.setdefault(row.post_id, []).append(
            {
                "file": name if name in added else None,
                "alt_text": row.alt_text or "",
                "width": row.width,
                "height": row.height,
            }
        )
    return found


def _posts(user_id, added):
    columns = (Post.id, Post.body, Post.created_at, Post.edited_at, Post.likes_count, Post.comments_count)
    stmt = select(*columns).where(Post.author_id == user_id)
    for rows in _batches(stmt, (Post.id,), lambda row: (row.id,)):
        found = _post_pictures(user_id, [row.id for row in rows], added)
        for row in rows:
            yield {
                "id": row.id,
                "text": row.body,
                "created_at": _time(row.created_at),
                "edited_at": _time(row.edited_at),
                "likes": row.likes_count,
                "comments": row.comments_count,
                "pictures": found.get(row.id, []),
            }


def _comments(user_id):
    stmt = (
        select(Comment.id, Comment.post_id, Comment.parent_id, Comment.body, Comment.created_at, Comment.edited_at)
        .add_columns(User.username.label("post_author"))
        .join(Post, Post.id == Comment.post_id)
        .join(User, User.id == Post.author_id)
        .where(Comment.author_id == user_id, Comment.deleted_at.is_(None))
    )
    for row in _in_batches(stmt, (Comment.id,), lambda row: (row.id,)):
        yield {
            "id": row.id,
            "post_id": row.post_id,
            "post_author": row.post_author,
            "in_reply_to": row.parent_id,
            "text": row.body,
            "created_at": _time(row.created_at),
            "edited_at": _time(row.edited_at),
        }


def _likes(user_id):
    stmt = (
        select(Like.post_id, Like.created_at, User.username)
        .join(Post, Post.id == Like.post_id)
        .join(User, User.id == Post.author_id)
        .where(Like.user_id == user_id)
    )
    for row in _in_batches(stmt, (Like.post_id,), lambda row: (row.post_id,)):
        yield {"post_id": row.post_id, "post_author": row.username, "liked_at": _time(row.created_at)}


def _people(stmt, other_column, time_column, time_name):
    """Rows naming another person and a time, in the order the index on (time, other) keeps them."""
    stmt = stmt.add_columns(User.username, time_column.label("at"), other_column.label("other_id"))
    stmt = stmt.join(User, User.id == other_column)
    for row in _in_batches(stmt, (time_column, other_column), lambda row: (row.at, row.other_id)):
        yield {"username": row.username, time_name: _time(row.at)}


def _following(user_id):
    stmt = select().select_from(Follow).where(Follow.follower_id == user_id)
    return _people(stmt, Follow.followed_id, Follow.created_at, "since")


def _followers(user_id):
    stmt = select().select_from(Follow).where(Follow.followed_id == user_id)
    return _people(stmt, Follow.follower_id, Follow.created_at, "since")


def _blocks(user_id):
    stmt = select().select_from(Block).where(Block.blocker_id == user_id)
    return _people(stmt, Block.blocked_id, Block.created_at, "blocked_at")


def _messages(user_id):
    """Conversation by conversation (the member rows of `user_id`), each walked by message id."""
    me = db.session.get(User, user_id).username
    Other = aliased(User)
    conversations = _in_batches(
        select(ConversationMember.conversation_id, Other.username)
        .join(Other, Other.id == ConversationMember.other_user_id)
        .where(ConversationMember.user_id == user_id),
        (ConversationMember.conversation_id,),
        lambda row: (row.conversation_id,),
    )
    for conversation_id, other in conversations:
        stmt = select(Message.id, Message.sender_id, Message.body, Message.created_at).where(
            Message.conversation_id == conversation_id, Message.deleted_at.is_(None)
        )
        for row in _in_batches(stmt, (Message.id,), lambda row: (row.id,)):
            sent = row.sender_id == user_id
            yield {
                "id": row.id,
                "conversation_with": other,
                "direction": "sent" if sent else "received",
                "from": me if sent else other,
                "to": other if sent else me,
                "text": row.body,
                "sent_at": _time(row.created_at),
            }


def _add_pictures(archive, user):
    """The avatar and every post picture, each in its largest stored size, copied in chunks; the set of
    their names in the zip. Pictures are JPEG or WebP already, so they are stored without compressing them
    again. A picture deleted with its post meanwhile is left out (its post may be in posts.json)."""
    added = set()
    for size in AVATAR_SIZES if user.avatar_key and images.KEY_RE.match(user.avatar_key) else ():
        if _add_file(archive, images.media_key(user.id, user.avatar_key, size), "pictures/avatar.jpg"):
            added.add("pictures/avatar.jpg")
            break
    stmt = select(
        PostImage.id, PostImage.post_id, PostImage.key, PostImage.position, PostImage.width, PostImage.height
    ).join(Post, Post.id == PostImage.post_id)
    stmt = stmt.where(Post.author_id == user.id)
    for row in _in_batches(stmt, (PostImage.id,), lambda row: (row.id,)):
        name, zip_name = _post_picture(user.id, row)
        if name and _add_file(archive, name, zip_name):
            added.add(zip_name)
    return added


def _add_file(archive, name, zip_name):
    """Copy the stored file `name` into the zip as `zip_name`, a chunk at a time; False when it is gone."""
    try:
        source = storage.media().open(name)
    except storage.NotStored:
        return False
    with source, archive.open(zipfile.ZipInfo(zip_name, date_time=utcnow().timetuple()[:6]), "w") as entry:
        storage.copy(source, entry)
    return True
