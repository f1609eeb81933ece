"""A socket is read from the moment it opens, while it is being registered too: what the page sends then
waits for the "ready" frame, a page may close a socket whose registration hangs, and a registration that
fails closes the socket so that the page reconnects."""

import json
import sys
import threading

from socialapp import realtime
from socialapp.realtime.signals import send_to_socket
from tests.support.browser import session_cookie
from tests.support.sockets import Closed, PageSocket, ready_socket, wait_until

echo = realtime.Live("echo")


@echo.handler("test.echo")
def answer(user_id, socket_id, data):
    send_to_socket(socket_id, {"type": "test.echoed", "n": data.get("n")})


def reading_threads(hub):
    """How many threads are in the endpoint's `socket` for a socket the hub holds: the threads that read them."""
    held = {id(client.ws) for client in hub.local_clients()}
    count = 0
    for frame in sys._current_frames().values():
        while frame is not None:
            code = frame.f_code
            if code.co_name == "socket" and code.co_filename.endswith("endpoint.py"):
                count += id(frame.f_locals.get("ws")) in held
                break
            frame = frame.f_back
    return count


def thread_names():
    return [thread.name for thread in threading.enumerate()]


def test_an_open_socket_holds_one_thread_which_reads_it(live_server):
    ada, _, _ = live_server.make_user("ada")
    hub = live_server.app.extensions["realtime"]
    pages = [ready_socket(live_server, ada) for _ in range(5)]
    wait_until(lambda: reading_threads(hub) == 5, "a thread reading each socket")
    wait_until(lambda: "socket-register" not in thread_names(), "the registrations' threads to end")
    assert not [name for name in thread_names() if "simple_websocket" in name]  # no reader of simple-websocket's
    for page in pages:
        page.close()
    wait_until(lambda: reading_threads(hub) == 0 and not hub.local_clients(), "the sockets' threads to end")


def held_registrations(monkeypatch, hub):
    """Make the hub's registrations wait until the returned event is set; `held` gets each socket held, and
    `added` each client once the hub has it."""
    register, held, added, release = hub.add, [], [], threading.Event()

    def add(user_id, ws, wants=(), **options):
        held.append(ws)
        release.wait(10)
        added.append(register(user_id, ws, wants, **options))
        return added[-1]

    monkeypatch.setattr(hub, "add", add)
    return held, added, release


def test_what_a_page_sends_before_its_socket_is_ready_is_handled_after_the_ready_frame(live_server, monkeypatch):
    ada, _, _ = live_server.make_user("ada")
    hub = live_server.app.extensions["realtime"]
    hub.register(echo)
    held, _, release = held_registrations(monkeypatch, hub)
    ws = PageSocket(live_server, session_cookie(live_server.app, ada))
    ws.send(json.dumps({"type": "test.echo", "n": 1}))
    ws.send(json.dumps({"type": "test.echo", "n": 2}))
    wait_until(lambda: len(held) == 1, "the registration to start")
    release.set()
    assert json.loads(ws.receive()) == {"ready": True}
    assert [json.loads(ws.receive())["n"] for _ in range(2)] == [1, 2]
    ws.close()


def test_a_socket_closed_while_its_registration_hangs_is_removed_once_it_ends(live_server, monkeypatch):
    ada, _, _ = live_server.make_user("ada")
    hub = live_server.app.extensions["realtime"]
    held, added, release = held_registrations(monkeypatch, hub)
    ws = PageSocket(live_server, session_cookie(live_server.app, ada))
    wait_until(lambda: len(held) == 1, "the registration to start")
    ws.close()  # answered by the socket's reader although nobody registered it yet
    wait_until(lambda: not held[0].connected, "the server to see the socket closed")
    release.set()
    wait_until(lambda: added, "the registration to end")
    wait_until(lambda: not hub.local_clients(ada), "the client registered after the socket closed to be removed")


def test_a_registration_that_fails_closes_the_socket(live_server, monkeypatch):
    ada, _, _ = live_server.make_user("ada")
    hub = live_server.app.extensions["realtime"]

    def add(user_id, ws, wants=(), **options):
        raise RuntimeError("presence is broken")

    monkeypatch.setattr(hub, "add", add)
    ws = PageSocket(live_server, session_cookie(live_server.app, ada))
    try:
        ws.receive()
    except Closed as closed:
        assert closed.code == 1011  # an internal error: the page reconnects
    else:
        raise AssertionError("the socket stayed open")
