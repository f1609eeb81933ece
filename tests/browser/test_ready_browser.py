"""A page asks for neither the bell nor the chat badge: its socket's "ready" frame brings what changed."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from socialapp.services import accounts, chat, social
from tests.support.browser import log_in

pytestmark = pytest.mark.browser

COUNT_FRAGMENTS = ("/notifications/bell", "/chat/badge")
# Counts each "live:ready" the page announces, so that a test can wait for the next one.
COUNT_READY = "document.addEventListener('live:ready', () => { window.__ready = (window.__ready || 0) + 1; });"


class Watched:
    """The HTTP requests a page makes, and its sockets' URLs and the frames they received."""

    def __init__(self, page):
        self.requests, self.sockets, self.frames = [], [], []
        page.on("request", lambda request: self.requests.append(urlsplit(request.url).path))
        page.on("websocket", self._socket)

    def _socket(self, socket):
        self.sockets.append(parse_qs(urlsplit(socket.url).query))
        socket.on("framereceived", lambda payload: self.frames.append(payload))

    def ready_frames(self):
        return [json.loads(f) for f in self.frames if isinstance(f, str) and f.startswith('{"ready"')]


def wait_for_ready(page, count):
    page.wait_for_function("(count) => (window.__ready || 0) >= count", arg=count)
    page.wait_for_timeout(300)  # what live:ready triggers would have started by now


def make(live_server, what):
    with live_server.app.app_context():
        ada, bob = accounts.find_by_username("ada"), accounts.find_by_username("bob")
        if what == "follow":
            social.follow(bob, ada)
        else:
            chat.send_message(bob, ada, "hello")


def test_pages_and_their_sockets_make_no_request_for_the_bell_or_the_badge(live_server, page):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    page.add_init_script(COUNT_READY)
    log_in(page, live_server, "ada")
    wait_for_ready(page, 1)
    watched = Watched(page)
    for path in ("/", "/notifications", "/chat/", "/u/bob", "/chat/bob"):
        page.goto(live_server(path))
        wait_for_ready(page, 1)
    assert not [path for path in watched.requests if path in COUNT_FRAGMENTS]
    assert len(watched.sockets) == 5
    assert all(marks["bell"] == ["0"] and marks["badge"] == ["0"] for marks in watched.sockets)
    assert watched.ready_frames() == [{"ready": True}] * 5  # nothing changed, nothing sent


def test_after_a_reconnect_the_ready_frame_brings_the_counts_missed_and_the_page_names_what_it_shows(
    live_server, page, monkeypatch
):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    hub = live_server.app.extensions["realtime"]
    page.add_init_script(COUNT_READY)
    log_in(page, live_server, "ada")
    wait_for_ready(page, 1)
    watched = Watched(page)
    page.goto(live_server("/"))
    wait_for_ready(page, 1)
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

    # Pushes are lost (as with a worker restarted or Redis down) while Bob follows Ada and writes to her.
    with monkeypatch.context() as lost:
        lost.setattr(hub, "publish", lambda channel, event: None)
        make(live_server, "follow")
        make(live_server, "message")
    page.wait_for_timeout(300)
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

    hub.close_all(1012)  # as when the broker's subscription comes back: the page reconnects
    wait_for_ready(page, 2)
    expect(page.get_by_role("button", name="Notifications, 2 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Chat 1 unread")).to_be_visible()
    assert watched.sockets[-1]["bell"] == ["0"] and watched.sockets[-1]["badge"] == ["0"]
    assert "bell" in watched.ready_frames()[-1]["content"]

    hub.close_all(1012)  # the next reconnect names the counts the page shows now: nothing to send
    wait_for_ready(page, 3)
    assert watched.sockets[-1]["bell"] == ["2"] and watched.sockets[-1]["badge"] == ["1"]
    assert watched.ready_frames()[-1] == {"ready": True}
    assert not [path for path in watched.requests if path in COUNT_FRAGMENTS]
