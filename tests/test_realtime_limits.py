"""What one account can do to a worker through sockets: how many it keeps open, how often it opens them,
how long a message may be, and what a malformed message does (nothing, and the socket stays open)."""

import json
import struct

import pytest

from socialapp import realtime
from socialapp.realtime.signals import send_to_socket
from tests.support.browser import session_cookie
from tests.support.sockets import Closed, PageSocket, Refused, ready_socket, wait_until

echo = realtime.Live("echo")


@echo.handler("test.echo")
def answer(user_id, socket_id, data):
    send_to_socket(socket_id, {"type": "test.echoed", "n": data.get("n")})


@echo.handler("test.fail")
def fail(user_id, socket_id, data):
    raise RuntimeError("a handler that breaks")


def refused(server, user_id):
    """The HTTP status with which opening a socket is refused, before the upgrade."""
    with pytest.raises(Refused) as error:
        PageSocket(server, session_cookie(server.app, user_id))
    return error.value.status


@pytest.mark.parametrize("live_overrides", [{"WS_MAX_SOCKETS_PER_USER": 2}])
def test_a_user_may_keep_only_so_many_sockets_open(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    first, second = ready_socket(live_server, ada), ready_socket(live_server, ada)
    assert refused(live_server, ada) == 429
    ready_socket(live_server, bob).close()  # others are not affected
    first.close()
    hub = live_server.app.extensions["realtime"]
    wait_until(lambda: hub.open_sockets(ada) < 2, "the server to drop the first socket")
    ready_socket(live_server, ada).close()
    second.close()


def test_the_socket_cap_counts_the_sockets_on_every_worker(two_workers):
    first, second = two_workers
    for server in two_workers:
        server.app.config["WS_MAX_SOCKETS_PER_USER"] = 2
    ada, _, _ = first.make_user("ada")
    here, there = ready_socket(first, ada), ready_socket(second, ada)
    assert refused(first, ada) == 429  # one on each worker: the cap is for the user, not per worker
    there.close()
    wait_until(lambda: first.app.extensions["realtime"].open_sockets(ada) < 2, "the other worker's socket to go")
    ready_socket(first, ada).close()
    here.close()


@pytest.mark.parametrize("live_overrides", [{"RATELIMIT_ENABLED": True, "WS_OPEN_RATE_LIMIT": "3 per minute"}])
def test_an_account_may_open_only_so_many_sockets_a_minute(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    for _ in range(3):
        ready_socket(live_server, ada).close()
    assert refused(live_server, ada) == 429
    ready_socket(live_server, bob).close()  # counted per account, not per address


@pytest.mark.parametrize("live_overrides", [{"WS_MAX_MESSAGE_BYTES": 1024}])
def test_a_message_past_the_size_limit_closes_the_socket_before_the_rest_is_read(live_server):
    ada, _, _ = live_server.make_user("ada")
    live_server.app.extensions["realtime"].register(echo)
    ws = ready_socket(live_server, ada)
    ws.send(json.dumps({"type": "test.echo", "n": "x" * 900}))  # under the limit: handled
    assert json.loads(ws.receive(timeout=5))["type"] == "test.echoed"
    # A frame announcing 300 MB, of which only 2 KB are sent: the server must not wait for the rest.
    ws.send_raw(bytes([0x81, 0xFF]) + struct.pack(">Q", 300_000_000) + b"\0\0\0\0" + b"x" * 2000)
    with pytest.raises(Closed) as closed:
        ws.receive(timeout=5)
    assert closed.value.code == 1009  # message too big
    hub = live_server.app.extensions["realtime"]
    wait_until(lambda: not hub.local_clients(ada), "the socket's thread to end")  # it no longer counts


def test_malformed_messages_are_ignored_and_the_socket_stays_open(live_server):
    ada, _, _ = live_server.make_user("ada")
    live_server.app.extensions["realtime"].register(echo)
    ws = ready_socket(live_server, ada)
    for message in (
        json.dumps({"type": ["test.echo"]}),  # a type that cannot be looked up
        json.dumps({"type": {"test": "echo"}}),
        '{"a": ' * 5000 + "1" + "}" * 5000,  # deeper than the parser goes
        "[" * 5000 + "]" * 5000,
        "not json",
        '{"type": "nobody.handles.this"}',
        json.dumps({"type": "test.fail"}),  # a handler that raises
        b"\x00\x01binary",
    ):
        ws.send(message)
    ws.send(json.dumps({"type": "test.echo", "n": 1}))
    assert json.loads(ws.receive(timeout=5)) == {"type": "test.echoed", "n": 1}
    ws.close()
