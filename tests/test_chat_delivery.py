"""Messages delivered through the real brokers to sockets: in-process, and between workers over Redis."""

import queue
import re

import pytest

from socialapp.services import chat
from tests.support.services import redis_test_url, subscription_client_id
from tests.support.sockets import wait_until

MESSAGE_ID = re.compile(r'id="message-(\d+)"')


class FakeSocket:
    """Stands in for a browser tab's socket on a hub: keeps what the server sends."""

    def __init__(self):
        self.received = queue.Queue()

    def send(self, text):
        self.received.put(text)

    def close(self, reason=None, message=None):
        pass

    def message_ids(self, expected, timeout=5.0):
        """Message ids pushed to this socket, waiting until `expected` of them have come (each time one is seen)."""
        ids = []
        while len(ids) < expected:
            ids += [int(m) for m in MESSAGE_ID.findall(self.received.get(timeout=timeout))]
        return ids


@pytest.fixture(autouse=True)
def _stop_hub(app):
    yield
    app.extensions["realtime"].stopped.set()


def connect(app, user):
    hub = app.extensions["realtime"]
    socket = FakeSocket()
    hub.add(user.id, socket)
    return socket


def test_a_message_reaches_every_tab_of_both_people_once_in_order(app, ada, bob):
    bob_tabs = [connect(app, bob), connect(app, bob)]
    ada_other_tab = connect(app, ada)
    sent = [chat.send_message(ada, bob, f"hello {i}").id for i in range(3)]
    for tab in [*bob_tabs, ada_other_tab]:
        assert tab.message_ids(3) == sent


def test_an_outsider_connected_to_the_same_worker_receives_nothing(app, ada, bob, make_user):
    eve_tab = connect(app, make_user("eve"))
    bob_tab = connect(app, bob)
    message = chat.send_message(ada, bob, "private")
    assert bob_tab.message_ids(1) == [message.id]
    while not eve_tab.received.empty():
        assert "private" not in eve_tab.received.get_nowait()


@pytest.fixture
def two_apps(app, database_url, tmp_path, redis_prefix):
    """Two app instances sharing the database and a Redis server, as two gunicorn workers would."""
    from socialapp import create_app
    from tests.conftest import app_config

    config = app_config(database_url, tmp_path, REDIS_URL=redis_test_url(), REALTIME_PREFIX=redis_prefix)
    workers = [create_app(config), create_app(config)]
    yield workers
    for worker in workers:
        worker.extensions["realtime"].stopped.set()


def test_a_message_sent_on_one_worker_reaches_a_socket_on_the_other_through_redis(two_apps, ada, bob):
    first, second = two_apps
    broker = second.extensions["realtime"].broker
    bob_tab = connect(second, bob)
    wait_until(lambda: subscription_client_id(broker.redis, broker.client_name), "the second worker to subscribe")
    with first.app_context():
        from socialapp.extensions import db

        sender, recipient = db.session.get(type(ada), ada.id), db.session.get(type(bob), bob.id)
        sent = [chat.send_message(sender, recipient, f"across {i}").id for i in range(3)]
    assert bob_tab.message_ids(3) == sent
