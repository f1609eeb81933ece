"""`flask seed-demo` fills an empty instance with people who follow, post, like, comment, reply and chat.

Seeding takes seconds, so the checks of what it made share one instance seeded once per backend; with -n,
this module runs whole on one worker (ONE_WORKER_MODULES in conftest.py).
"""

import os
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from socialapp import create_app
from socialapp.extensions import db
from socialapp.models import (
    Comment,
    ConversationMember,
    Follow,
    Like,
    Message,
    Notification,
    Post,
    PostHashtag,
    PostImage,
    User,
)
from socialapp.models.base import utcnow
from socialapp.services import demo, images, pictures
from tests.conftest import RequestScopedClient, app_config, migrated_database


def seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def snapshot():
    """Who wrote what, with its counts, and every message, in order."""
    rows = db.session.execute(
        select(User.username, Post.body, Post.likes_count, Post.comments_count)
        .join(Post, Post.author_id == User.id)
        .order_by(Post.created_at)
    ).all()
    messages = db.session.scalars(select(Message.body).order_by(Message.id)).all()
    return rows, messages


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """An instance in a database of its own on the backend of `database_url`, seeded once: its app, what the
    command said, and a snapshot of what it made, taken before any test looks."""
    folder = tmp_path_factory.mktemp("demo")
    with migrated_database(sa.make_url(database_url).get_backend_name(), folder, "socialapp_demo") as url:
        app = create_app(app_config(url, folder))
        app.test_client_class = RequestScopedClient
        with app.app_context():
            output = seed(app).output
            made = snapshot()
            db.session.remove()
        yield SimpleNamespace(app=app, output=output, snapshot=made)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def demo_app(seeded):
    """The seeded instance's app, in an app context of the test's own."""
    with seeded.app.app_context():
        yield seeded.app
        db.session.remove()


def test_seed_demo_creates_people_with_pictures_and_follows(seeded, demo_app):
    assert "log in as ada" in seeded.output
    users = db.session.query(User).all()
    assert len(users) == len(demo.PEOPLE)
    assert all(u.is_verified and u.avatar_key and u.bio for u in users)
    assert os.path.exists(images.image_path(users[0].id, users[0].avatar_key, "avatar"))
    assert db.session.query(Follow).count() > len(users)
    ada = db.session.query(User).filter_by(username="ada").one()
    assert ada.following_count == db.session.query(Follow).filter_by(follower_id=ada.id).count()
    assert ada.followers_count == db.session.query(Follow).filter_by(followed_id=ada.id).count()
    client = demo_app.test_client()
    login = client.post("/login", data={"login": "ada", "password": demo.DEMO_PASSWORD})
    assert login.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    followed = select(Follow.followed_id).where(Follow.follower_id == ada.id)
    newest = db.session.scalars(
        select(Post).where(Post.author_id.in_(followed)).order_by(Post.created_at.desc())
    ).first()
    first_words = " ".join(newest.body.split()[:3]).replace("'", "&#39;")
    assert first_words in home.text


def test_seed_demo_posts_likes_comments_chats_and_their_notifications(demo_app):
    posts = db.session.query(Post).all()
    assert len(posts) >= 3 * len(demo.PEOPLE)
    assert len({post.author_id for post in posts}) == len(demo.PEOPLE)
    picture = db.session.query(PostImage).first()
    assert picture is not None
    owner = db.session.get(Post, picture.post_id).author_id
    assert picture.width and picture.height  # stored as posts now store pictures: whole, at their widths
    for variant, extension, _ in pictures.stored_files(picture):
        assert os.path.exists(images.image_path(owner, picture.key, variant, extension))
    assert db.session.query(PostHashtag).filter_by(tag="photography").count() >= 2
    assert db.session.query(Like).count() > len(posts)
    assert db.session.query(Comment).filter(Comment.parent_id.is_(None)).count() > len(demo.PEOPLE)
    assert db.session.query(Comment).filter(Comment.parent_id.is_not(None)).count() > 0
    likes = dict(db.session.execute(select(Like.post_id, func.count()).group_by(Like.post_id)).all())
    comments = dict(db.session.execute(select(Comment.post_id, func.count()).group_by(Comment.post_id)).all())
    for post in posts:
        assert post.likes_count == likes.get(post.id, 0), post.body
        assert post.comments_count == comments.get(post.id, 0), post.body
    assert not db.session.query(Like).join(Post).filter(Like.user_id == Post.author_id).count()

    ada = db.session.query(User).filter_by(username="ada").one()
    mine = db.session.query(ConversationMember).filter_by(user_id=ada.id).all()
    assert len(mine) >= 3
    for member in mine:
        messages = db.session.query(Message).filter_by(conversation_id=member.conversation_id).count()
        assert messages >= 2
        assert member.last_message_id == db.session.scalar(
            select(func.max(Message.id)).where(Message.conversation_id == member.conversation_id)
        )
    kinds = {kind for (kind,) in db.session.query(Notification.kind).distinct()}
    assert kinds >= {"follow", "like", "comment", "reply", "mention", "message"}
    likes_of_ada = db.session.query(Like).join(Post).filter(Post.author_id == ada.id).count()
    assert likes_of_ada == db.session.query(Notification).filter_by(recipient_id=ada.id, kind="like").count()
    # Things happened over the past days, in order: a post is older than its likes and comments.
    now = utcnow()
    oldest_post = db.session.query(func.min(Post.created_at)).scalar()
    assert (now - oldest_post).days >= demo.ACTIVITY_DAYS - 1
    assert db.session.query(Notification).filter(Notification.created_at > now).count() == 0
    late = db.session.query(Like).join(Post).filter(Like.created_at < Post.created_at).count()
    assert late == 0
    messages = db.session.query(Message).order_by(Message.id).all()
    by_conversation = {}
    for message in messages:
        previous = by_conversation.get(message.conversation_id)
        assert previous is None or previous <= message.created_at
        by_conversation[message.conversation_id] = message.created_at


def test_seed_demo_is_the_same_every_time(seeded, app):
    seed(app)
    assert snapshot() == seeded.snapshot


def test_seed_demo_refuses_an_instance_with_users(app, make_user):
    make_user("someone")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "already has users" in result.output


def test_offer_does_nothing_without_a_terminal(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--offer"])
    assert result.exit_code == 0
    assert db.session.query(User).count() == 0
