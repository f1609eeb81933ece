"""Redis stops mid-chat: writes still succeed once, presence falls back, /healthz says "degraded", and
pushes resume (after a resync) once Redis is back. The database is the truth; Redis is only a doorbell."""

import queue
import re
import time

import pytest
from sqlalchemy import select

from socialapp import realtime
from socialapp.models.chat import Message
from tests.support.sockets import ready_socket
from tests.test_chat_delivery import FakeSocket

HX = {"HX-Request": "true"}
MESSAGE_ID = re.compile(r'id="message-(\d+)"')


@pytest.fixture
def app_overrides(own_redis):
    # Rate limits count in the same Redis, as in production, so they must not fail when it is down.
    return {
        "REDIS_URL": own_redis.url,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": own_redis.url,
    }


@pytest.fixture
def live_overrides(own_redis):
    return {"REDIS_URL": own_redis.url}


class Tab(FakeSocket):
    """A tab's socket on the hub that also keeps the code it was closed with."""

    def __init__(self):
        super().__init__()
        self.closed_with = queue.Queue()

    def close(self, reason=None, message=None):
        self.closed_with.put(reason)


def open_tab(app, user_id):
    tab = Tab()
    return tab, app.extensions["realtime"].add(user_id, tab)


def wait_for_subscriber(app, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 5
    while not client.pubsub_numpat():
        assert time.monotonic() < deadline, "the subscriber never listened"
        time.sleep(0.02)
    client.close()


def send(client, body):
    return client.post("/chat/bob/messages", data={"body": body}, headers=HX)


def bodies(db):
    return db.session.scalars(select(Message.body).order_by(Message.id)).all()


@pytest.fixture
def people(app, make_user):
    yield make_user("ada"), make_user("bob")
    app.extensions["realtime"].stopped.set()


def test_chat_goes_on_while_redis_is_down_and_pushes_resume_when_it_is_back(app, client, db, login, people, own_redis):
    ada, bob = people
    hub = app.extensions["realtime"]
    bob_tab, bob_client = open_tab(app, bob.id)
    wait_for_subscriber(app, own_redis.url)
    login(ada)
    assert send(client, "before").status_code == 200
    [before] = bob_tab.message_ids(1)

    own_redis.stop()
    during = send(client, "during")
    assert during.status_code == 200 and "during" in during.get_data(as_text=True)
    assert bodies(db) == ["before", "during"]  # saved once: no error made anyone send it again
    assert client.post("/chat/bob/typing").status_code == 204  # its rate limit counts in memory meanwhile
    assert client.get("/chat/").status_code == 200
    page = client.get("/chat/bob")
    assert page.status_code == 200 and "during" in page.get_data(as_text=True)
    assert client.post("/u/bob/follow", headers=HX).status_code == 200
    with app.app_context():  # presence answers from this worker's own sockets: bob's tab is here
        assert realtime.online_users([ada.id, bob.id]) == {bob.id}
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "checks": {"database": "ok", "redis": "down"}}

    own_redis.start()
    # The subscription comes back and the pages are told to reconnect (1012), so that they refetch.
    assert bob_tab.closed_with.get(timeout=10) == 1012
    hub.remove(bob_client)
    bob_tab, _ = open_tab(app, bob.id)
    login(bob, on=(bob_browser := app.test_client()))
    caught_up = bob_browser.get(f"/chat/ada/messages?after={before}", headers=HX).get_data(as_text=True)
    assert "during" in caught_up  # nothing lost: the page gets what it missed from the database
    assert send(client, "after").status_code == 200
    [after] = bob_tab.message_ids(1)
    assert bodies(db) == ["before", "during", "after"]
    assert db.session.get(Message, after).body == "after"
    assert client.get("/healthz").json["status"] == "ok"


def test_a_socket_opens_and_gets_ready_while_redis_is_down(live_server, own_redis):
    ada, _, _ = live_server.make_user("ada")
    own_redis.stop()
    ws = ready_socket(live_server, ada)
    with live_server.app.app_context():
        assert realtime.is_online(ada)  # this worker knows its own sockets
    ws.close()
    live_server.app.extensions["realtime"].stopped.set()
