"""Publishing when a transaction commits, and what areas register on an app."""

import pytest

from socialapp import realtime
from socialapp.models import User


@pytest.fixture
def sent(app, monkeypatch):
    """What the app's hub publishes, as (channel, event)."""
    events = []
    monkeypatch.setattr(app.extensions["realtime"], "publish", lambda channel, event: events.append((channel, event)))
    return events


def test_an_event_is_published_when_its_transaction_commits(db, make_user, sent):
    ada = make_user("ada")
    ada.first_name = "Ada Lovelace"
    realtime.publish_on_commit([ada.id, 99], "renamed", user_id=ada.id)
    assert sent == []  # not yet: the change is not committed
    db.session.commit()
    assert sent == [
        (f"user:{ada.id}", {"kind": "renamed", "user_id": ada.id}),
        ("user:99", {"kind": "renamed", "user_id": ada.id}),
    ]
    db.session.commit()
    assert len(sent) == 2  # once only


def test_an_event_is_dropped_when_its_transaction_rolls_back_or_is_abandoned(db, make_user, sent):
    ada = make_user("ada")
    ada.first_name = "Nobody"
    realtime.publish_on_commit(ada.id, "renamed")
    db.session.rollback()
    db.session.get(User, ada.id).first_name = "Nobody"
    realtime.publish_on_commit(ada.id, "renamed")
    db.session.close()  # the request ended without a commit
    db.session.commit()
    assert sent == []


def test_releasing_a_savepoint_publishes_nothing_until_the_transaction_commits(db, make_user, sent):
    ada = make_user("ada")
    db.session.get(User, ada.id).first_name = "Ada"
    realtime.publish_on_commit(ada.id, "renamed")
    with db.session.begin_nested():
        db.session.get(User, ada.id).last_name = "Lovelace"
    assert sent == []
    db.session.commit()
    assert sent == [(f"user:{ada.id}", {"kind": "renamed"})]


def test_the_same_event_queued_twice_in_a_transaction_is_sent_once(db, make_user, sent):
    ada = make_user("ada")
    ada.first_name = "Ada"
    for _ in range(3):
        realtime.publish_on_commit(ada.id, "notification")
    realtime.publish_on_commit(ada.id, "chat_read", user_id=7)
    db.session.commit()
    assert [event["kind"] for _, event in sent] == ["notification", "chat_read"]


def test_with_nothing_written_the_event_is_published_at_once(db, make_user, sent):
    ada = make_user("ada")
    db.session.commit()
    assert db.session.get(User, ada.id).username == "ada"  # a transaction of reads, never committed
    realtime.publish_on_commit(ada.id, "ping")
    assert sent == [(f"user:{ada.id}", {"kind": "ping"})]


def test_a_write_by_statement_waits_for_the_commit(db, make_user, sent):
    from sqlalchemy import update

    ada = make_user("ada")
    db.session.execute(update(User).where(User.id == ada.id).values(first_name="Ada"))
    realtime.publish_on_commit(ada.id, "renamed")
    assert sent == []
    db.session.commit()
    assert sent == [(f"user:{ada.id}", {"kind": "renamed"})]


def test_each_app_keeps_its_own_registries_and_a_kind_registered_twice_is_refused(app, tmp_path, database_url):
    from socialapp import create_app
    from tests.conftest import app_config

    extra = realtime.Live("extra")
    extra.renderer("extra_kind")(lambda viewer, event: "<p>extra</p>")
    hub = app.extensions["realtime"]
    hub.register(extra)
    other = create_app(app_config(database_url, tmp_path / "other"))
    assert "extra_kind" in hub.renderers and "extra_kind" not in other.extensions["realtime"].renderers
    assert {"chat_message", "presence", "notification", "new_post", "to_socket"} <= hub.renderers.keys()
    assert "meeting.join" in hub.handlers and hub.close_handlers
    with pytest.raises(ValueError, match="chat_message"):
        clash = realtime.Live("clash")
        clash.renderer("chat_message")(lambda viewer, event: "")
        hub.register(clash)
