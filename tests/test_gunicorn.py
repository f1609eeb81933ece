"""The app under gunicorn itself, as deploy/socialapp.service runs it: a reload or a stop closes open
WebSockets with 1001 (going away) at once, so pages reconnect to the new workers instead of holding the
old ones until the master kills them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import app_config, migrated_database
from tests.support.browser import session_cookie
from tests.support.services import free_port
from tests.support.sockets import Closed, PageSocket, wait_until

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
GRACEFUL_TIMEOUT = 20  # gunicorn.conf.py


@pytest.fixture
def served(tmp_path):
    """gunicorn with one worker on a free port over a migrated SQLite database, a verified user's session
    cookie for it, and the master's log."""
    from socialapp import create_app
    from tests.support.factories import make_user

    with migrated_database("sqlite", tmp_path) as url:
        app = create_app(app_config(url, tmp_path))
        with app.app_context():
            user_id = make_user("ada").id
        cookie = session_cookie(app, user_id)
        port = free_port()
        log = tmp_path / "gunicorn.log"
        env = {
            "PATH": os.environ["PATH"],
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "8",
            "CONTROL_SOCKET": str(tmp_path / "gunicorn.ctl"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
        master = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--log-level", "info", "--error-logfile", str(log), "wsgi:app"],
            cwd=ROOT,
            env=env,
        )
        server = SimpleNamespace(url=f"http://127.0.0.1:{port}", master=master, log=log, cookie=cookie)
        try:
            wait_until(lambda: "Booting worker" in _read(log), "gunicorn to start a worker", timeout=30)
            yield server
        finally:
            if master.poll() is None:
                master.kill()
                master.wait()


def _read(path):
    return path.read_text() if path.exists() else ""


def _ready_socket(server):
    """A page's socket, once this worker says it is ready; retried while gunicorn is still binding."""
    deadline = time.monotonic() + 20
    while True:
        try:
            ws = PageSocket(server, server.cookie)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert '"ready": true' in ws.receive()
    return ws


def _closed_with(ws, within):
    """The close code the server sent within `within` seconds (pings and pushes before it are skipped)."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            ws.receive(timeout=left)
        except Closed as closed:
            return closed.code
    raise AssertionError(f"the socket was still open {within} s later")


def test_a_reload_closes_open_sockets_as_going_away_and_pages_reconnect_to_the_new_worker(served):
    page = _ready_socket(served)
    started = time.monotonic()
    served.master.send_signal(signal.SIGHUP)
    assert _closed_with(page, within=5) == 1001
    # The old worker exits once its sockets are closed, well inside the graceful timeout.
    wait_until(lambda: "Worker exiting" in _read(served.log), "the old worker to exit", timeout=GRACEFUL_TIMEOUT / 2)
    assert time.monotonic() - started < GRACEFUL_TIMEOUT / 2
    again = _ready_socket(served)  # served by the new worker
    again.close()
    assert "WORKER TIMEOUT" not in _read(served.log)


def test_a_stop_closes_open_sockets_and_ends_well_inside_the_graceful_timeout(served):
    page = _ready_socket(served)
    started = time.monotonic()
    served.master.send_signal(signal.SIGTERM)
    assert _closed_with(page, within=5) == 1001
    assert served.master.wait(timeout=GRACEFUL_TIMEOUT / 2) == 0
    assert time.monotonic() - started < GRACEFUL_TIMEOUT / 2
