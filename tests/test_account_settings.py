"""Forgotten and changed passwords, email change, account deletion, rate limits, CSRF."""

import os

import pytest

from socialapp.models import Follow, User
from socialapp.services import accounts
from tests.support.factories import PASSWORD
from tests.support.limits import rate_limited
from tests.support.pages import masked_page
from tests.support.services import CI, redis_available, redis_test_url

NEW = "plum orbit lantern 77"


def log_in(client, login="ada", password=PASSWORD):
    return client.post("/login", data={"login": login, "password": password})


def test_forgotten_password_link_sets_a_new_password_once(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    response = client.post("/password/forgot", data={"email": "ADA@example.com"})
    assert response.status_code == 200
    link = outbox.last_link("ada@example.com")
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert log_in(client, password=PASSWORD).status_code == 401
    assert log_in(client, password=NEW).status_code == 302
    client.post("/logout")
    again = client.post(link, data={"password": "another fine phrase 9", "confirm": "another fine phrase 9"})
    assert "/password/forgot" in again.headers["Location"]
    assert log_in(client, password=NEW).status_code == 302


def test_forgotten_password_form_reveals_nothing(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    known = client.post("/password/forgot", data={"email": "ada@example.com"})
    unknown = client.post("/password/forgot", data={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert masked_page(known, "ada@") == masked_page(unknown, "ghost@")
    assert [m["To"] for m in outbox.messages()] == ["ada@example.com"]


def test_reset_refuses_a_weak_password_and_keeps_the_link_usable(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    client.post("/password/forgot", data={"email": "ada@example.com"})
    link = outbox.last_link()
    weak = client.post(link, data={"password": "password", "confirm": "password"})
    assert weak.status_code == 422
    assert b"too easy to guess" in weak.data
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_change_password_needs_the_current_one(client, make_user):
    make_user("ada")
    log_in(client)
    response = client.post(
        "/settings/password",
        data={"pw-current_password": "wrong wrong wrong", "pw-new_password": NEW, "pw-confirm": NEW},
    )
    assert response.status_code == 422
    assert b"Your current password is not right." in response.data


def test_change_password_tells_a_wrong_current_password_and_a_weak_new_one_together(client, make_user):
    make_user("ada")
    log_in(client)
    response = client.post(
        "/settings/password",
        data={"pw-current_password": "wrong wrong wrong", "pw-new_password": "password", "pw-confirm": "other"},
    )
    assert response.status_code == 422
    for message in (b"Your current password is not right.", b"too easy to guess", b"do not match"):
        assert message in response.data


def test_reset_tells_a_weak_password_and_a_mismatch_together(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    client.post("/password/forgot", data={"email": "ada@example.com"})
    response = client.post(outbox.last_link(), data={"password": "password", "confirm": "passwort"})
    assert response.status_code == 422
    assert b"too easy to guess" in response.data and b"do not match" in response.data


def test_change_password_signs_out_other_sessions_but_not_this_one(app, client, make_user):
    make_user("ada")
    other = app.test_client()
    log_in(client)
    log_in(other)
    response = client.post(
        "/settings/password",
        data={"pw-current_password": PASSWORD, "pw-new_password": NEW, "pw-confirm": NEW},
    )
    assert response.status_code == 302
    assert client.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302


def test_change_email_takes_effect_only_after_confirmation(client, make_user, outbox):
    make_user("ada", email="ada@example.com")
    log_in(client)
    response = client.post("/settings/email", data={"em-email": "Ada.New@Example.com", "em-password": PASSWORD})
    assert response.status_code == 302
    user = accounts.find_by_username("ada")
    assert user.email == "ada@example.com"
    assert user.pending_email == "ada.new@example.com"
    link = outbox.last_link("ada.new@example.com")
    client.get(link)
    user = accounts.find_by_username("ada")
    assert user.email == "ada.new@example.com"
    assert user.pending_email is None
    assert client.get(link).status_code == 400  # used once


def test_change_email_refuses_an_address_in_use_or_a_wrong_password(client, make_user, outbox):
    make_user("ada")
    make_user("bob", email="bob@example.com")
    log_in(client)
    taken = client.post("/settings/email", data={"em-email": "bob@example.com", "em-password": PASSWORD})
    assert taken.status_code == 422
    assert b"Another account uses this email address." in taken.data
    assert b'value="bob@example.com"' in taken.data
    wrong = client.post("/settings/email", data={"em-email": "new@example.com", "em-password": "nope nope"})
    assert wrong.status_code == 422
    assert outbox.messages() == []


def test_delete_account_needs_the_password(client, make_user):
    make_user("ada")
    log_in(client)
    response = client.post("/settings/delete", data={"del-password": "wrong password", "del-confirm": "y"})
    assert response.status_code == 422
    assert accounts.find_by_username("ada") is not None


def test_delete_account_removes_the_user_their_rows_and_files(app, client, db, make_user):
    ada = make_user("ada")
    bob = make_user("bob")
    db.session.add_all([Follow(follower_id=ada.id, followed_id=bob.id), Follow(follower_id=bob.id, followed_id=ada.id)])
    db.session.commit()
    media = accounts.user_media_dir(ada.id)
    os.makedirs(media)
    open(os.path.join(media, "picture.jpg"), "wb").close()
    log_in(client)
    response = client.post("/settings/delete", data={"del-password": PASSWORD, "del-confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.query(User).filter_by(username="ada").count() == 0
    assert db.session.query(Follow).count() == 0
    assert not os.path.exists(media)
    assert client.get("/settings").status_code == 302


@rate_limited
def test_login_attempts_are_rate_limited(limited, client, make_user):
    make_user("ada")
    statuses = [client.post("/login", data={"login": "ada", "password": "wrong guess"}).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert b"Too many attempts" in client.post("/login", data={"login": "ada", "password": "x"}).data


@rate_limited
@pytest.mark.parametrize("path", ["/register", "/verify/resend", "/password/forgot"])
def test_account_forms_are_rate_limited(limited, client, path):
    statuses = [client.post(path, data={"email": "x@example.com"}).status_code for _ in range(11)]
    assert 429 in statuses


def test_rate_limits_are_kept_in_redis_when_configured(database_url, tmp_path, make_user):
    if not redis_available():
        if CI:
            pytest.fail("Redis is required when CI=true")
        pytest.skip("Redis is not running here")
    from limits.storage import RedisStorage

    from socialapp import create_app
    from socialapp.extensions import limiter
    from tests.conftest import app_config

    config = app_config(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_test_url())
    app = create_app(config)
    assert isinstance(limiter.storage, RedisStorage)
    limiter.reset()
    # Each request from a new address, then the same one: only the repeated address is limited.
    client = app.test_client()
    fresh = [
        client.post(
            "/password/forgot", data={"email": "x@e.com"}, environ_base={"REMOTE_ADDR": f"10.9.{os.getpid() % 250}.{n}"}
        )
        for n in range(6)
    ]
    repeated = [
        client.post("/password/forgot", data={"email": "x@e.com"}, environ_base={"REMOTE_ADDR": "10.8.8.8"})
        for _ in range(6)
    ]
    assert [r.status_code for r in fresh] == [200] * 6
    assert [r.status_code for r in repeated][-1] == 429
    import redis

    assert redis.Redis.from_url(redis_test_url()).keys("LIMITS*")


def test_forms_without_a_csrf_token_are_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("ada")
    response = client.post("/login", data={"login": "ada", "password": PASSWORD})
    assert response.status_code == 400
    assert b"Your form expired" in response.data
