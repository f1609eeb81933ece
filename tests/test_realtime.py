"""The socket endpoint, delivery through the in-process broker and through Redis, and presence."""

import contextlib
import json
import threading
import time

import pytest

from socialapp import realtime
from socialapp.realtime.hub import TICK
from tests.support.browser import session_cookie
from tests.support.services import redis_test_url, subscription_client_id
from tests.support.sockets import WAIT, Closed, PageSocket, ready_socket, wait_until

GRACE = 0.5  # seconds a user stays online after their last socket, in these tests

pings = realtime.Live("tests")


@pings.renderer("test_ping")
def ping_fragment(viewer, event):
    return f'<p id="ping">{viewer}:{event["n"]}</p>'


def hear_pings(*servers):
    """Make the apps behind `servers` render the tests' "test_ping" events."""
    for server in servers:
        server.app.extensions["realtime"].register(pings)


def publish(app, user_id, n):
    with app.app_context():
        realtime.publish(user_id, "test_ping", n=n)


def publish_until_received(app, ws, user_id, n, timeout=10):
    """Publish until the socket gets it: a worker just started may not have subscribed to Redis yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        publish(app, user_id, n)
        try:
            return ws.receive_until(lambda m: "ping" in m, timeout=0.5)
        except AssertionError:
            continue
    raise AssertionError("the published event never arrived")


def test_a_logged_in_socket_gets_ready_then_its_user_events(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    hear_pings(live_server)
    ws = PageSocket(live_server, session_cookie(live_server.app, ada))
    assert json.loads(ws.receive(timeout=5)) == {"ready": True}
    publish(live_server.app, bob, 1)  # someone else's event
    publish(live_server.app, ada, 2)
    assert ws.receive_until(lambda m: "ping" in m) == f'<p id="ping">{ada}:2</p>'
    ws.close()


def test_anonymous_sockets_are_refused(live_server):
    ws = PageSocket(live_server)
    with pytest.raises(Closed) as closed:
        ws.receive(timeout=5)
    assert closed.value.code == 1008


def test_sockets_from_another_site_are_refused(live_server):
    ada, _, _ = live_server.make_user("ada")
    ws = PageSocket(live_server, session_cookie(live_server.app, ada), origin="https://evil.example")
    with pytest.raises(Closed) as closed:
        ws.receive(timeout=5)
    assert closed.value.code == 1008


def test_only_pages_that_ask_for_presence_are_told_who_comes_and_goes(live_server):
    hear_pings(live_server)
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    asking = ready_socket(live_server, ada, path="/ws?want=presence")
    other = ready_socket(live_server, ada)
    arriving = ready_socket(live_server, bob)
    assert f'id="presence-{bob}"' in asking.receive_until(lambda m: "presence" in m)
    # A barrier rather than a wait: presence goes out on the hub's tick, one tick after another, so once Cy's
    # arrival reaches the asking page, Bob's was sent to every socket it was going to; then an event for Ada
    # reaches the other page after anything sent to it before.
    cy, _, _ = live_server.make_user("cy")
    later = ready_socket(live_server, cy)
    asking.receive_until(lambda m: f'id="presence-{cy}"' in m)
    publish(live_server.app, ada, 1)
    before = []
    other.receive_until(lambda m: "ping" in m or before.append(m))
    assert before == []
    for ws in (asking, other, arriving, later):
        ws.close()


def test_presence_follows_open_sockets(live_server):
    hub = live_server.app.extensions["realtime"]
    hub.presence.grace = GRACE
    ada, _, _ = live_server.make_user("ada")
    first, second = ready_socket(live_server, ada), ready_socket(live_server, ada)
    with live_server.app.app_context():
        assert realtime.is_online(ada)
        first.close()
        wait_until(lambda: len(hub.local_clients(ada)) == 1, "the server to drop the first socket")
        time.sleep(GRACE + TICK)  # so a grace wrongly started by that close would be over
        assert realtime.is_online(ada)  # still one tab open
        closing = time.monotonic()
        second.close()
        wait_until(lambda: not realtime.is_online(ada), "Ada to go offline", timeout=GRACE + WAIT)
        assert time.monotonic() - closing >= GRACE  # online through the grace after her last tab, then offline


def test_an_event_published_on_one_worker_reaches_a_socket_on_the_other(two_workers):
    first, second = two_workers
    hear_pings(first)
    ada, _, _ = first.make_user("ada")
    ws = ready_socket(first, ada)
    assert publish_until_received(second.app, ws, ada, 7) == f'<p id="ping">{ada}:7</p>'
    with second.app.app_context():
        assert realtime.is_online(ada)  # presence is shared through Redis
    ws.close()


def test_a_user_stays_online_through_the_grace_after_their_last_socket(redis_prefix):
    import redis

    from socialapp.realtime.presence import MemoryPresence, RedisPresence

    for presence in (MemoryPresence(), RedisPresence(redis.Redis.from_url(redis_test_url()), redis_prefix)):
        presence.grace = GRACE
        assert presence.connected(42) is True
        presence.mark(42, 1)
        presence.mark(42, 0)  # last socket closed
        assert presence.online([42]) == {42} and not presence.disconnected(42)
        assert presence.connected(42) is False  # back within the grace: nobody needs telling
        presence.mark(42, 1)
        presence.mark(42, 0)
        time.sleep(GRACE + 0.1)  # past the grace
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

    first, _ = two_workers
    hear_pings(first)
    ada, _, _ = first.make_user("ada")
    ws = ready_socket(first, ada)
    publish_until_received(first.app, ws, ada, 1)
    admin = redis.Redis.from_url(redis_test_url())
    broker = first.app.extensions["realtime"].broker
    admin.client_kill_filter(_id=subscription_client_id(admin, broker.client_name))
    # Whatever was published while the subscription was down is lost: the page must reconnect and refetch.
    with pytest.raises(Closed) as closed:
        ws.receive_until(lambda m: False, timeout=10)
    assert closed.value.code == 1012


def test_moving_to_another_page_does_not_flicker_presence(live_server):
    announced = []
    hub = live_server.app.extensions["realtime"]
    hub.publish = lambda channel, event: announced.append(event) if event.get("kind") == "presence" else None
    hub.presence.grace = 1.5
    ada, _, _ = live_server.make_user("ada")
    first = ready_socket(live_server, ada)
    first.close()  # the page unloads...
    wait_until(lambda: not hub.local_clients(ada), "the server to drop the socket")
    closed = time.monotonic()
    second = ready_socket(live_server, ada)  # ...and the next one connects
    time.sleep(max(0, closed + hub.presence.grace + 2 * TICK - time.monotonic()))  # past the grace
    assert announced == [{"kind": "presence", "user_id": ada, "online": True}]
    second.close()
    wait_until(lambda: len(announced) >= 2, "Ada to be announced offline", timeout=hub.presence.grace + WAIT)
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
    with running(hub):
        hub.dispatch("user:1", {"kind": "new_post", "post_id": 5})
        hub.dispatch("user:1", {"kind": "test_ping"})
        wait_until(lambda: len(home.sent) == 2, "both pushes")
    assert home.sent == ["<p>new 5</p>", "<p>ping</p>"] and other.sent == ["<p>ping</p>"]


@contextlib.contextmanager
def running(hub):
    """The hub's threads (subscriber, pushes, heartbeat) running for the block."""
    hub.start()
    try:
        yield hub
    finally:
        hub.stopped.set()


def test_each_users_events_arrive_in_order_while_the_push_threads_share_the_users(app, monkeypatch):
    from socialapp.realtime.hub import Client

    hub = app.extensions["realtime"]
    assert len(hub.push_queues) > 1
    threads = {}

    def render(viewer, event):
        threads.setdefault(viewer, set()).add(threading.current_thread().name)
        time.sleep(0.001)  # long enough for the threads to interleave
        return f"<p>{event['n']}</p>"

    monkeypatch.setitem(hub.renderers, "test_seq", render)
    sockets = {uid: RecordingSocket() for uid in range(1, 9)}
    for uid, ws in sockets.items():
        hub.clients[uid] = {Client(uid, ws)}
    with running(hub):
        for n in range(40):
            for uid in sockets:
                hub.dispatch(f"user:{uid}", {"kind": "test_seq", "n": n})
        wait_until(lambda: all(len(ws.sent) == 40 for ws in sockets.values()), "every push")
    for ws in sockets.values():
        assert ws.sent == [f"<p>{n}</p>" for n in range(40)]
    assert all(len(names) == 1 for names in threads.values())  # one thread per user...
    assert len(set().union(*threads.values())) == len(hub.push_queues)  # ...and every thread used


def test_a_slow_push_to_one_user_does_not_hold_up_the_others(app, monkeypatch):
    from socialapp.realtime.hub import Client

    hub = app.extensions["realtime"]
    release = threading.Event()

    def render(viewer, event):
        if viewer == 1:
            release.wait(WAIT)
        return f"<p>{viewer}</p>"

    monkeypatch.setitem(hub.renderers, "test_slow", render)
    slow, quick = RecordingSocket(), RecordingSocket()
    hub.clients[1], hub.clients[2] = {Client(1, slow)}, {Client(2, quick)}
    with running(hub):
        hub.dispatch("user:1", {"kind": "test_slow"})
        hub.dispatch("user:2", {"kind": "test_slow"})
        wait_until(lambda: quick.sent == ["<p>2</p>"], "the other user's push")
        assert slow.sent == []
        release.set()
        wait_until(lambda: slow.sent == ["<p>1</p>"], "the slow push")
