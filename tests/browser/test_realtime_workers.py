"""Two gunicorn processes sharing SQLite and Redis: pushes cross between them, and a killed worker loses nothing."""

import pytest
from playwright.sync_api import expect

from tests.conftest import _migrate
from tests.support.browser import log_in
from tests.support.gunicorn import Gunicorn, gunicorn_env
from tests.support.services import CI, redis_available

pytestmark = pytest.mark.browser


@pytest.fixture
def workers(tmp_path):
    if not redis_available():
        if CI:
            pytest.fail("Redis is required when CI=true")
        pytest.skip("Redis is not running here")
    url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    _migrate(url)
    env = gunicorn_env(url, "shared-secret-for-both-workers", threads=50, MEDIA_ROOT=str(tmp_path / "media"))
    pair = [Gunicorn(env), Gunicorn(env)]
    for worker in pair:
        worker.start()
    for worker in pair:
        worker.wait_until_up(timeout=30)
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
    first.wait_until_up(timeout=30)
    # The page reconnects by itself and catches up, without a reload.
    expect(page.get_by_role("button", name="Notifications, 2 unread")).to_be_visible(timeout=30_000)
    others.context.close()
