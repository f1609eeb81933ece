"""Browser tests: the app served on a free loopback port, driven by Playwright in Debian's Chromium."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import _migrate, app_config, empty_database

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
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

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


def log_in(page, server, login, password=None):
    """Log in through the real form, as a person would."""
    from tests.support.factories import PASSWORD

    page.goto(server("/login"))
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
