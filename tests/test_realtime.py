"""The socket endpoint, delivery through the in-process broker and through Redis, and presence."""

import json
import time

import pytest
import simple_websocket

from socialapp import realtime
from tests.support.browser import session_cookie
from tests.support.services import redis_test_url

pings = realtime.Live("tests")


@pings.renderer("test_ping")
def ping_fragment(viewer, event):
    return f'<p id="ping">{viewer}:{event["n"]}</p>'


def hear_pings(*servers):
    """Make the apps behind `servers` render the tests' "test_ping" events."""
    for server in servers:
        server.app.extensions["realtime"].register(pings)


def connect(server, cookie=None, origin=None, path="/ws", headers=None):
    # This client names the host without its port in the Host header, so the same origin does too.
    headers = {"Origin": origin or "http://127.0.0.1", **(headers or {})}
    if cookie:
        headers["Cookie"] = cookie
    return simple_websocket.Client.connect(server.url.replace("http", "ws") + path, headers=headers)


def receive_until(ws, predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = ws.receive(timeout=max(0.05, deadline - time.monotonic()))
        if message is not None and predicate(message):
            return message
    raise AssertionError("the expected message did not arrive")


def publish(app, user_id, n):
    with app.app_context():
        realtime.publish(user_id, "test_ping", n=n)


def publish_until_received(app, ws, user_id, n, timeout=10):
    """Publish until the socket gets it: a worker just started may not have subscribed to Redis yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        publish(app, user_id, n)
        try:
            return receive_until(ws, lambda m: "ping" in m, timeout=0.5)
        except AssertionError:
            continue
    raise AssertionError("the published event never arrived")


def test_a_logged_in_socket_gets_ready_then_its_user_events(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    hear_pings(live_server)
    ws = connect(live_server, session_cookie(live_server.app, ada))
    assert json.loads(ws.receive(timeout=5)) == {"ready": True}
    publish(live_server.app, bob, 1)  # someone else's event
    publish(live_server.app, ada, 2)
    assert receive_until(ws, lambda m: "ping" in m) == f'<p id="ping">{ada}:2</p>'
    ws.close()


def test_anonymous_sockets_are_refused(live_server):
    ws = connect(live_server)
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        ws.receive(timeout=5)
    assert closed.value.reason == 1008


def test_sockets_from_another_site_are_refused(live_server):
    ada, _, _ = live_server.make_user("ada")
    ws = connect(live_server, session_cookie(live_server.app, ada), origin="https://evil.example")
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        ws.receive(timeout=5)
    assert closed.value.reason == 1008


def test_only_pages_that_ask_for_presence_are_told_who_comes_and_goes(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    asking = connect(live_server, session_cookie(live_server.app, ada), path="/ws?want=presence")
    other = connect(live_server, session_cookie(live_server.app, ada))
    for ws in (asking, other):
        assert json.loads(ws.receive(timeout=5)) == {"ready": True}
    arriving = connect(live_server, session_cookie(live_server.app, bob))
    arriving.receive(timeout=5)
    assert f'id="presence-{bob}"' in receive_until(asking, lambda m: "presence" in m)
    assert other.receive(timeout=1) is None
    for ws in (asking, other, arriving):
        ws.close()


def test_presence_follows_open_sockets(live_server):
    live_server.app.extensions["realtime"].presence.grace = 0.5
    ada, _, _ = live_server.make_user("ada")
    cookie = session_cookie(live_server.app, ada)
    first, second = connect(live_server, cookie), connect(live_server, cookie)
    for ws in (first, second):
        ws.receive(timeout=5)
    with live_server.app.app_context():
        assert realtime.is_online(ada)
        first.close()
        time.sleep(0.3)
        assert realtime.is_online(ada)  # still one tab open
        second.close()
        deadline = time.monotonic() + 5
        while realtime.is_online(ada) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not realtime.is_online(ada)


def test_an_event_published_on_one_worker_reaches_a_socket_on_the_other(two_workers):
    first, second = two_workers
    hear_pings(first)
    ada, _, _ = first.make_user("ada")
    ws = connect(first, session_cookie(first.app, ada))
    ws.receive(timeout=5)
    assert publish_until_received(second.app, ws, ada, 7) == f'<p id="ping">{ada}:7</p>'
    with second.app.app_context():
        assert realtime.is_online(ada)  # presence is shared through Redis
    ws.close()


def test_a_user_stays_online_through_the_grace_after_their_last_socket(redis_prefix):
    import redis

    from socialapp.realtime.presence import MemoryPresence, RedisPresence

    for presence in (MemoryPresence(), RedisPresence(redis.Redis.from_url(redis_test_url()), redis_prefix)):
        presence.grace = 0.3
        assert presence.connected(42) is True
        presence.mark(42, 1)
        presence.mark(42, 0)  # last socket closed
        assert presence.online([42]) == {42} and not presence.disconnected(42)
        assert presence.connected(42) is False  # back within the grace: nobody needs telling
        presence.mark(42, 1)
        presence.mark(42, 0)
        time.sleep(0.4)
        assert presence.disconnected(42) and presence.online([42]) == set()


def test_presence_of_a_vanished_worker_expires(app_overrides, redis_prefix):
    import redis

    from socialapp.realtime.presence import RedisPresence

    client = redis.Redis.from_url(redis_test_url())
    presence = RedisPresence(client, redis_prefix)
    presence.connected(42)
    assert presence.online([42, 43]) == {42}
    # A killed worker stops refreshing: its entry's expiry passes and the user is offline.
    client.zadd(f"{redis_prefix}:presence:42", {presence.token: time.time() - 1})
    assert presence.online([42]) == set()


def test_when_the_redis_subscription_drops_pages_are_told_to_reconnect(two_workers):
    import redis

    from tests.test_realtime_broker import subscription_client_id

    first, _ = two_workers
    hear_pings(first)
    ada, _, _ = first.make_user("ada")
    ws = connect(first, session_cookie(first.app, ada))
    ws.receive(timeout=5)
    publish_until_received(first.app, ws, ada, 1)
    admin = redis.Redis.from_url(redis_test_url())
    broker = first.app.extensions["realtime"].broker
    admin.client_kill_filter(_id=subscription_client_id(admin, broker.client_name))
    # Whatever was published while the subscription was down is lost: the page must reconnect and refetch.
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        receive_until(ws, lambda m: False, timeout=10)
    assert closed.value.reason == 1012


def test_moving_to_another_page_does_not_flicker_presence(live_server):
    announced = []
    hub = live_server.app.extensions["realtime"]
    hub.publish = lambda channel, event: announced.append(event) if event.get("kind") == "presence" else None
    hub.presence.grace = 1.5
    ada, _, _ = live_server.make_user("ada")
    cookie = session_cookie(live_server.app, ada)
    first = connect(live_server, cookie)
    first.receive(timeout=5)
    first.close()  # the page unloads...
    time.sleep(0.3)
    second = connect(live_server, cookie)  # ...and the next one connects
    second.receive(timeout=5)
    time.sleep(2.5)  # past the grace
    assert announced == [{"kind": "presence", "user_id": ada, "online": True}]
    second.close()
    deadline = time.monotonic() + 5
    while len(announced) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert announced[1:] == [{"kind": "presence", "user_id": ada, "online": False}]


class RecordingSocket:
    """Stands in for a socket: keeps what the hub sends it."""

    def __init__(self):
        self.sent = []

    def send(self, text):
        self.sent.append(text)


def test_presence_changes_reach_each_socket_coalesced_into_one_message(app, monkeypatch):
    from socialapp.realtime.hub import Client

    hub = app.extensions["realtime"]
    monkeypatch.setitem(hub.renderers, "presence", lambda viewer, e: f"<p>{e['user_id']}:{e['online']}</p>")
    sockets = {uid: RecordingSocket() for uid in (1, 2)}
    for uid, ws in sockets.items():
        hub.clients[uid] = {Client(uid, ws, wants={"presence"})}
    for user_id, online in ((7, True), (8, True), (7, False)):
        hub.dispatch("broadcast", {"kind": "presence", "user_id": user_id, "online": online})
    assert sockets[1].sent == []  # held until the tick
    hub.flush()
    for ws in sockets.values():
        assert ws.sent == ["<p>7:False</p><p>8:True</p>"]
    hub.clients[3] = {Client(3, sockets.setdefault(3, RecordingSocket()))}  # a page that did not ask for presence
    hub.dispatch("broadcast", {"kind": "presence", "user_id": 9, "online": True})
    hub.flush()
    assert sockets[3].sent == [] and sockets[1].sent[-1] == "<p>9:True</p>"


def test_a_kind_that_must_be_asked_for_reaches_only_the_sockets_that_asked(app, monkeypatch):
    from socialapp.realtime.hub import Client

    hub = app.extensions["realtime"]
    monkeypatch.setitem(hub.renderers, "new_post", lambda viewer, e: f"<p>new {e['post_id']}</p>")
    monkeypatch.setitem(hub.renderers, "test_ping", lambda viewer, e: "<p>ping</p>")
    home, other = RecordingSocket(), RecordingSocket()
    hub.clients[1] = {Client(1, home, wants={"new_post"}), Client(1, other)}
    hub.dispatch("user:1", {"kind": "new_post", "post_id": 5})
    hub.dispatch("user:1", {"kind": "test_ping"})
    assert home.sent == ["<p>new 5</p>", "<p>ping</p>"] and other.sent == ["<p>ping</p>"]
