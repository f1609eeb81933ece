"""The app under gunicorn itself, as deploy/socialapp.service runs it: a reload or a stop closes open
WebSockets with 1001 (going away) at once, so pages reconnect to the new workers instead of holding the
old ones until the master kills them."""

import contextlib
import os
import re
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
    with _gunicorn(tmp_path, "sqlite") as server:
        yield server


@pytest.fixture
def served_with_redis(tmp_path, redis_prefix):
    """gunicorn as deployed: two workers over PostgreSQL and Redis, with the log at level info."""
    from tests.support.services import postgres_available, redis_test_url

    if not postgres_available():
        pytest.skip("PostgreSQL is not running here")
    with _gunicorn(
        tmp_path,
        "postgresql",
        WEB_CONCURRENCY="2",
        WEB_THREADS="40",
        REDIS_URL=redis_test_url(),
        REALTIME_PREFIX=redis_prefix,
    ) as server:
        yield server


@contextlib.contextmanager
def _gunicorn(tmp_path, backend, **environ):
    from socialapp import create_app
    from tests.support.factories import make_user

    with migrated_database(backend, tmp_path) as url:
        app = create_app(app_config(url, tmp_path))
        with app.app_context():
            user_ids = [make_user(name).id for name in ("ada", "bob", "cyd")]
        cookies = [session_cookie(app, user_id) for user_id in user_ids]
        with app.app_context():
            from socialapp.extensions import db

            db.engine.dispose()
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
            **environ,
        }
        master = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--log-level", "info", "--error-logfile", str(log), "wsgi:app"],
            cwd=ROOT,
            env=env,
        )
        workers = int(env["WEB_CONCURRENCY"])
        server = SimpleNamespace(
            url=f"http://127.0.0.1:{port}", master=master, log=log, cookie=cookies[0], cookies=cookies, database=url
        )
        try:
            wait_until(
                lambda: _read(log).count("Booting worker") >= workers, "gunicorn to start its workers", timeout=30
            )
            yield server
        finally:
            if master.poll() is None:
                master.kill()
                master.wait()


def _read(path):
    return path.read_text() if path.exists() else ""


def _ready_socket(server, cookie=None):
    """A page's socket, once this worker says it is ready; retried while gunicorn is still binding."""
    deadline = time.monotonic() + 20
    while True:
        try:
            ws = PageSocket(server, cookie or server.cookie)
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


# What gunicorn and the app write when something goes wrong, as opposed to the usual lines of a stop.
TROUBLE = re.compile(r"\[(ERROR|CRITICAL)\]|Traceback|Exception|Error:|Bad file descriptor|WORKER TIMEOUT")


def _open_sockets(server, count):
    """`count` ready sockets spread over the three users, each having said something on its socket."""
    pages = [_ready_socket(server, server.cookies[n % len(server.cookies)]) for n in range(count)]
    for page in pages:
        page.send('{"type": "nobody.handles.this"}')
    return pages


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["stop", "reload"])
def test_stopping_or_reloading_with_open_sockets_logs_no_error(served_with_redis, stop):
    server = served_with_redis
    pages = _open_sockets(server, 12)
    server.master.send_signal(stop)
    for page in pages:
        assert _closed_with(page, within=5) == 1001
    if stop == signal.SIGTERM:
        assert server.master.wait(timeout=GRACEFUL_TIMEOUT / 2) == 0
    else:
        wait_until(lambda: _read(server.log).count("Worker exiting") >= 2, "the old workers to exit", timeout=10)
        _ready_socket(server).close()  # the new workers serve
        server.master.send_signal(signal.SIGTERM)
        assert server.master.wait(timeout=GRACEFUL_TIMEOUT / 2) == 0
    log = _read(server.log)
    assert "Shutting down: Master" in log
    assert [line for line in log.splitlines() if TROUBLE.search(line)] == []


def test_a_stop_while_the_database_is_gone_logs_no_error_either(served_with_redis):
    """As when the database stops with the service: the sockets' end needs no database."""
    import sqlalchemy as sa

    from tests.support.services import postgres_admin_url

    server = served_with_redis
    pages = _open_sockets(server, 12)
    name = sa.make_url(server.database).database
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
        )
    admin.dispose()
    server.master.send_signal(signal.SIGTERM)
    for page in pages:
        assert _closed_with(page, within=5) == 1001
    assert server.master.wait(timeout=GRACEFUL_TIMEOUT / 2) == 0
    log = _read(server.log)
    assert [line for line in log.splitlines() if TROUBLE.search(line)] == []
