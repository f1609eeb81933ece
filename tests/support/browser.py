"""Browser tests: the app served on a free loopback port, driven by Playwright in Debian's Chromium."""

import os
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from tests.conftest import _migrate, app_config, empty_database
from tests.support.sockets import wait_until

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]

# An init script for pages with fake cameras: video at 320x240 and 15 frames a second, so that several
# pages each decoding the others' videos can share two cores with everything else (meetings tests and
# bench/meetings_bench.py).
LOW_RESOLUTION = """(() => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => {
        if (constraints && constraints.video) {
            const video = constraints.video === true ? {} : constraints.video;
            constraints = { ...constraints, video: { ...video, width: 320, height: 240, frameRate: 15 } };
        }
        return original(constraints);
    };
})()"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system Chromium."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Polling often lets stop() return at once rather than after up to half a second, at every test's end.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(5)

    def make_user(self, *args, **kwargs):
        from tests.support.factories import make_user

        with self.app.app_context():
            user = make_user(*args, **kwargs)
            return user.id, user.username, user.email

    def __call__(self, path=""):
        return self.url + path


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory):
    url = "sqlite:///" + str(tmp_path_factory.mktemp("browserdb") / "browser.sqlite3")
    _migrate(url)
    return url


@pytest.fixture
def live_overrides():
    """Override in a test module to change the live app's config."""
    return {}


@pytest.fixture
def live_server(browser_database_url, tmp_path, live_overrides):
    from socialapp import create_app
    from socialapp.extensions import db

    overrides = {"WTF_CSRF_ENABLED": True, **live_overrides}
    app = create_app(app_config(browser_database_url, tmp_path, **overrides))
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            empty_database(db)
            db.engine.dispose()


@pytest.fixture
def redis_prefix():
    """A fresh key and channel prefix in the test Redis, which must run when CI=true."""
    from tests.support.services import CI, redis_available

    if not redis_available():
        if CI:
            pytest.fail("Redis is required when CI=true")
        pytest.skip("Redis is not running here")
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def two_workers(browser_database_url, tmp_path, redis_prefix):
    """Two app processes' worth of state (two apps, two servers) sharing the database and Redis."""
    import redis

    from socialapp import create_app
    from socialapp.extensions import db
    from tests.support.services import redis_test_url, subscription_client_id

    servers = []
    for n in range(2):
        config = app_config(
            browser_database_url, tmp_path / f"w{n}", REDIS_URL=redis_test_url(), REALTIME_PREFIX=redis_prefix
        )
        server = LiveServer(create_app(config))
        server.start()
        servers.append(server)
    # A worker subscribes when its first socket opens, a moment after saying "ready": start them now and wait
    # for their subscriptions, so that nothing a test publishes right after "ready" falls into that moment.
    admin = redis.Redis.from_url(redis_test_url())
    for server in servers:
        hub = server.app.extensions["realtime"]
        hub.start()
        wait_until(
            lambda hub=hub: subscription_client_id(admin, hub.broker.client_name), "the worker's Redis subscription"
        )
    admin.close()
    yield servers
    for server in servers:
        server.app.extensions["realtime"].stopped.set()
        server.stop()
    with servers[0].app.app_context():
        empty_database(db)


def session_cookie(app, user_id):
    """The Cookie header of a browser logged in as `user_id` on `app`."""
    from socialapp.extensions import db
    from socialapp.models import User
    from socialapp.services.sessions import start_session

    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = start_session(db.session.get(User, user_id)).get_id()
    domain = app.config["SERVER_NAME"] or "localhost"  # where the test client keeps the cookie
    return f"session={client.get_cookie('session', domain=domain).value}"


def log_in(page, server, login, password=None):
    """Log in through the real form, as a person would."""
    from tests.support.factories import PASSWORD

    page.goto(server("/login"))
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
