"""The page's one socket: one that the server never registers is given up and replaced."""

import threading

import pytest
from playwright.sync_api import expect

from socialapp.services import accounts, social
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_a_socket_never_registered_is_replaced_and_the_page_catches_up(live_server, page, monkeypatch):
    ada_id, _, _ = live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    hub = live_server.app.extensions["realtime"]
    register, registered, release = hub.add, [], threading.Event()

    def add(user_id, ws, wants=(), **options):
        # The notifications page asks for no broadcasts (the home page asks for new posts): the first
        # socket of Ada's notifications page opens, but is never registered.
        if user_id == ada_id and not wants:
            registered.append(ws)
            if len(registered) == 1:
                release.wait(30)
        return register(user_id, ws, wants, **options)

    monkeypatch.setattr(hub, "add", add)
    log_in(page, live_server, "ada")
    page.clock.install()
    try:
        page.goto(live_server("/notifications"))
        expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

        with live_server.app.app_context():
            social.follow(accounts.find_by_username("bob"), accounts.find_by_username("ada"))
        assert len(registered) == 1  # the bell's push found no socket of Ada's

        page.clock.run_for(11_000)  # the page gives up on the silent socket and opens another
        expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
        assert len(registered) == 2
    finally:
        release.set()
