"""Two gunicorn processes sharing SQLite and Redis: pushes cross between them, and a killed worker loses nothing."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import _migrate
from tests.support.browser import log_in
from tests.support.services import CI, free_port, redis_available, redis_test_url

pytestmark = pytest.mark.browser
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Gunicorn:
    """One gunicorn (the repository's gunicorn.conf.py) on its own port, as a worker on another host would be."""

    def __init__(self, env):
        self.port = free_port()
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}"}
        self.process = None

    def __call__(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self("/healthz"), timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def workers(tmp_path):
    if not redis_available():
        if CI:
            pytest.fail("Redis is required when CI=true")
        pytest.skip("Redis is not running here")
    url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    _migrate(url)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": url,
        "REDIS_URL": redis_test_url(),
        "REALTIME_PREFIX": f"test-{uuid.uuid4().hex[:10]}",
        "SECRET_KEY": "shared-secret-for-both-workers",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RATELIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "50",
        "LOG_LEVEL": "WARNING",
    }
    pair = [Gunicorn(env), Gunicorn(env)]
    for worker in pair:
        worker.start()
    from socialapp import create_app
    from tests.conftest import app_config

    app = create_app(app_config(url, tmp_path))

    def make_user(username, **fields):
        from tests.support.factories import make_user as factory

        with app.app_context():
            factory(username, **fields)

    yield pair, make_user
    for worker in pair:
        if worker.process.poll() is None:
            worker.kill()


def follow(page, worker, name):
    page.goto(worker("/u/ada"))
    page.get_by_role("button", name=f"Follow {name}", exact=True).click()
    expect(page.get_by_role("button", name=f"Unfollow {name}")).to_be_visible()


def test_a_push_crosses_workers_and_a_killed_worker_loses_nothing(page, open_page, workers):
    (first, second), make_user = workers
    for username in ("ada", "bob", "cy"):
        make_user(username, first_name=username.capitalize(), last_name="Tester")
    log_in(page, first, "ada")  # Ada's socket lives on the first worker
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

    others = open_page("others")
    log_in(others, second, "bob")  # Bob's follow is handled by the second worker
    follow(others, second, "Ada Tester")
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()

    first.kill()  # Ada's worker dies with her socket open
    others.context.clear_cookies()
    log_in(others, second, "cy")
    # While Ada has no socket anywhere; a message, since a second follow would join Bob's in one item.
    others.goto(second("/chat/ada"))
    others.get_by_role("textbox", name="Message").fill("Hello Ada")
    others.get_by_role("textbox", name="Message").press("Enter")
    expect(others.get_by_role("log").get_by_text("Hello Ada")).to_be_visible()
    first.start()  # the worker comes back on the same address
    # The page reconnects by itself and catches up, without a reload.
    expect(page.get_by_role("button", name="Notifications, 2 unread")).to_be_visible(timeout=30_000)
    others.context.close()
