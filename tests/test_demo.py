"""`flask seed-demo` fills an empty instance with people, pictures and follows."""

import os

from socialapp.models import Follow, User
from socialapp.services import demo, images


def test_seed_demo_creates_people_with_pictures_and_follows(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "log in as ada" in result.output
    users = db.session.query(User).all()
    assert len(users) == len(demo.PEOPLE)
    assert all(u.is_verified and u.avatar_key and u.bio for u in users)
    assert os.path.exists(images.image_path(users[0].id, users[0].avatar_key, "avatar"))
    assert db.session.query(Follow).count() > len(users)
    ada = db.session.query(User).filter_by(username="ada").one()
    assert ada.following_count == db.session.query(Follow).filter_by(follower_id=ada.id).count()
    login = app.test_client().post("/login", data={"login": "ada", "password": demo.DEMO_PASSWORD})
    assert login.status_code == 302


def test_seed_demo_refuses_an_instance_with_users(app, make_user):
    make_user("someone")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "already has users" in result.output


def test_offer_does_nothing_without_a_terminal(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--offer"])
    assert result.exit_code == 0
    assert db.session.query(User).count() == 0
