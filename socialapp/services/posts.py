"""Posts: write, edit and delete them with their pictures and hashtags; like and unlike; who liked."""

from contextlib import contextmanager

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from socialapp import realtime
from socialapp.extensions import db
from socialapp.inputs import to_id
from socialapp.models import Comment, Follow, Like, Post, PostHashtag, PostImage, User
from socialapp.models.base import utcnow
from socialapp.services import images, notifications, paging, pictures, text
from socialapp.services.errors import Forbidden, InvalidInput, NotFound
from socialapp.services.visibility import is_blocked_between, visible_to
from socialapp.signals import account_deleting

MAX_LENGTH = 5000
MAX_IMAGES = 4
LIKERS_PAGE_SIZE = 30
EMPTY = "Write something, or add a picture."
TOO_LONG = "Posts can be at most {limit:,} characters (this one has {length:,})."


def visible_post(viewer_id, post_id):
    """The post `post_id` if it exists and its author is not in a block with the viewer, else NotFound."""
    post = db.session.get(Post, post_id)
    if post is None or is_blocked_between(viewer_id, post.author_id):
        raise NotFound("There is no such post.")
    return post


def own_post(user, post_id):
    """The user's own post `post_id`: NotFound when it does not exist or is hidden, Forbidden when it is
    someone else's."""
    post = visible_post(user.id, post_id)
    if post.author_id != user.id:
        raise Forbidden("Only its author can change a post.")
    return post


def _store_images(author_id, uploads):
    if len(uploads) > MAX_IMAGES:
        raise InvalidInput(f"A post can have at most {MAX_IMAGES} pictures.")
    return pictures.store_pictures(author_id, uploads)


def _add_pictures(post_id, stored, alt_texts, start=0):
    for position, ((key, width, height), alt_text) in enumerate(zip(stored, alt_texts, strict=True), start=start):
        db.session.add(
            PostImage(post_id=post_id, key=key, position=position, alt_text=alt_text, width=width, height=height)
        )


@contextmanager
def _files_kept_on_commit(owner_id, keys):
    """Around the transaction that records freshly stored pictures: if it fails, roll back and remove
    their files, so a refused or broken write leaves nothing behind."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        for key in keys:
            images.delete_image(owner_id, key)
        raise


def _set_hashtags(post, body, replace=False):
    if replace:
        db.session.execute(delete(PostHashtag).where(PostHashtag.post_id == post.id))
    tags = [tag for tag in text.hashtags(body) if len(tag) <= text.MAX_TAG_LENGTH]
    if tags:
        db.session.execute(insert(PostHashtag), [{"tag": tag, "post_id": post.id} for tag in tags])


def notify_mentions(author_id, body, subject_type, subject_id, skip=()):
    """Tell each existing person @mentioned in `body` (in the caller's transaction)."""
    names = text.mentions(body)[:20]
    if not names:
        return
    ids = db.session.scalars(select(User.id).where(func.lower(User.username).in_(names)))
    for user_id in ids:
        if user_id not in skip:
            notifications.notify(user_id, author_id, "mention", subject_type, subject_id)


def _checked(body, count, new_alt_texts=(), kept_alt_texts=()):
    """(body, descriptions of the new pictures, {id: description} of kept ones) as stored, for a post that
    would have `count` pictures, the new ones last; `kept_alt_texts` is [(PostImage, number, text)]. InvalidInput
    tells everything wrong with the text, the number of pictures and their descriptions at once."""
    problems = []

    def check(clean, *args):
        try:
            return clean(*args)
        except InvalidInput as error:
            problems.append(error.message)

    body = check(text.clean_text, body, MAX_LENGTH, InvalidInput, EMPTY, TOO_LONG, count > 0)
    kept = {image.id: check(pictures.clean_alt_text, value, number) for image, number, value in kept_alt_texts}
    first = count - len(new_alt_texts) + 1
    new = check(pictures.clean_alt_texts, new_alt_texts, len(new_alt_texts), first)
    if count > MAX_IMAGES:
        problems.append(f"A post can have at most {MAX_IMAGES} pictures; it would have {count}.")
    if problems:
        raise InvalidInput(" ".join(problems))
    return body, new, kept


def _chosen(uploads, alt_texts):
    """The uploads that hold a file, each with its description: the n-th description field of the form
    goes with the n-th file sent (a file input sends one empty part when nothing is chosen)."""
    alt_texts = list(alt_texts or ())
    pairs = [
        (upload, alt_texts[i] if i < len(alt_texts) else "")
        for i, upload in enumerate(uploads or ())
        if getattr(upload, "filename", "")
    ]
    return [upload for upload, _ in pairs], [alt for _, alt in pairs]


def create_post(author, body, uploads=(), alt_texts=()):
    """Publish a post by `author` with up to MAX_IMAGES pictures, the n-th described by `alt_texts[n]`.
    InvalidInput when refused; nothing is kept then."""
    uploads, alt_texts = _chosen(uploads, alt_texts)
    body, alt_texts, _ = _checked(body, len(uploads), alt_texts)
    stored = _store_images(author.id, uploads)
    keys = [key for key, _, _ in stored]
    with _files_kept_on_commit(author.id, keys):
        post = Post(author_id=author.id, body=body)
        db.session.add(post)
        db.session.flush()
        _add_pictures(post.id, stored, alt_texts)
        _set_hashtags(post, body)
        notify_mentions(author.id, body, "post", post.id)
        announce_to_followers(post)
        db.session.commit()
    return post


def announce_to_followers(post):
    """Tell the author's followers who are online that there is a new post, once it is committed."""
    followers = db.session.scalars(select(Follow.follower_id).where(Follow.followed_id == post.author_id)).all()
    online = realtime.online_users(followers) if followers else ()
    realtime.publish_on_commit(sorted(online), "new_post", post_id=post.id)


def pictures_of(post_id):
    """A post's pictures in their order."""
    return list(db.session.scalars(select(PostImage).where(PostImage.post_id == post_id).order_by(PostImage.position)))


def edit_post(user, post_id, body, remove_image_ids=(), uploads=(), alt_texts=None, new_alt_texts=()):
    """Change the user's own post: its text, pictures taken away (by PostImage id), the descriptions of
    its pictures (`alt_texts`: {PostImage id: text}; those left out stay) and pictures added with theirs,
    at most MAX_IMAGES in all. It is then shown as edited. A ServiceError when refused; nothing changes then."""
    post = own_post(user, post_id)
    current = pictures_of(post.id)
    remove_ids = {to_id(i) for i in remove_image_ids} - {None}
    removed = [image for image in current if image.id in remove_ids]
    kept = [image for image in current if image.id not in remove_ids]
    uploads, new_alt_texts = _chosen(uploads, new_alt_texts)
    described = {to_id(i): value for i, value in (alt_texts or {}).items()}
    kept_alt_texts = [(image, n, described[image.id]) for n, image in enumerate(kept, 1) if image.id in described]
    body, new_alt_texts, described = _checked(body, len(kept) + len(uploads), new_alt_texts, kept_alt_texts)
    stored = _store_images(user.id, uploads)
    keys = [key for key, _, _ in stored]
    removed_keys = [image.key for image in removed]
    with _files_kept_on_commit(user.id, keys):
        for image in removed:
            db.session.delete(image)
        redescribed = False
        for position, image in enumerate(kept):
            image.position = position
            if image.id in described and described[image.id] != image.alt_text:
                image.alt_text = described[image.id]
                redescribed = True
        _add_pictures(post.id, stored, new_alt_texts, start=len(kept))
        text_changed = body != post.body
        if text_changed:
            post.body = body
            _set_hashtags(post, body, replace=True)
        if text_changed or removed or keys or redescribed:
            post.edited_at = utcnow()
        db.session.commit()
    for key in removed_keys:
        images.delete_image(user.id, key)
    return post


def delete_post(user, post_id):
    """Delete the user's own post with its likes, comments and pictures (files too)."""
    remove_post(own_post(user, post_id))


def remove_post(post):
    """Delete `post` with its likes, comments, pictures (files too) and the notifications about them, and
    commit: for its author, or for a moderator acting on a report."""
    author_id = post.author_id
    keys = list(db.session.scalars(select(PostImage.key).where(PostImage.post_id == post.id)))
    notifications.withdraw_about("post", [post.id])
    notifications.withdraw_about("comment", select(Comment.id).where(Comment.post_id == post.id))
    db.session.delete(post)
    db.session.commit()
    for key in keys:
        images.delete_image(author_id, key)


def is_liked(user_id, post_id):
    return db.session.get(Like, (post_id, user_id)) is not None


def like(user, post_id):
    """`user` likes the post; liking twice is harmless. Returns the post with its count as it now is."""
    post = visible_post(user.id, post_id)
    if not is_liked(user.id, post.id):
        try:
            with db.session.begin_nested():
                db.session.add(Like(post_id=post.id, user_id=user.id))
        except IntegrityError:
            # A second request liked it first: the count is already right.
            pass
        else:
            db.session.execute(update(Post).where(Post.id == post.id).values(likes_count=Post.likes_count + 1))
            notifications.notify(post.author_id, user.id, "like", "post", post.id)
    db.session.commit()
    db.session.refresh(post)
    return post


def unlike(user, post_id):
    """`user` takes back a like; unliking what was not liked is harmless."""
    post = visible_post(user.id, post_id)
    removed = db.session.execute(delete(Like).where(Like.post_id == post.id, Like.user_id == user.id)).rowcount
    if removed:
        db.session.execute(update(Post).where(Post.id == post.id).values(likes_count=Post.likes_count - 1))
        notifications.withdraw(post.author_id, user.id, "like", "post", post.id)
    db.session.commit()
    db.session.refresh(post)
    return post


def likers_page(viewer, post_id, cursor=None, limit=LIKERS_PAGE_SIZE):
    """(post, users, next_cursor): who liked a post, newest first, hiding people in a block with the viewer."""
    post = visible_post(viewer.id, post_id)
    stmt = (
        select(User, Like.created_at)
        .join(Like, Like.user_id == User.id)
        .where(Like.post_id == post.id, visible_to(viewer.id, User.id))
    )
    return post, *paging.people_newest_first(stmt, Like.created_at, Like.user_id, cursor, limit)


@account_deleting.connect
def _fix_counts_of_others(sender, user, **extra):
    # Likes and comments go with the account (ON DELETE CASCADE); the counters on other people's
    # posts must go down with them, including replies by others to this person's comments (a placeholder of
    # theirs, a comment already deleted, is not counted).
    others_posts = Post.author_id != user.id
    liked = select(Like.post_id).where(Like.user_id == user.id)
    db.session.execute(update(Post).where(Post.id.in_(liked), others_posts).values(likes_count=Post.likes_count - 1))
    own_comments = select(Comment.id).where(Comment.author_id == user.id)
    going = (
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.post_id == Post.id,
            ((Comment.author_id == user.id) & Comment.deleted_at.is_(None)) | Comment.parent_id.in_(own_comments),
        )
        .scalar_subquery()
    )
    commented = select(Comment.post_id).where(Comment.author_id == user.id)
    db.session.execute(
        update(Post)
        .where(Post.id.in_(commented), others_posts)
        .values(comments_count=Post.comments_count - going)
        .execution_options(synchronize_session=False)
    )
