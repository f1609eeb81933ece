"""gunicorn with the repository's gunicorn.conf.py on a free loopback port, run as an app host (or a worker on
another host) is: for the tests that need real processes, several workers sharing Redis or two hosts."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import requests

from tests.support.services import free_port, redis_test_url
from tests.support.sockets import wait_until

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_env(database_url, secret_key, threads, **settings):
    """What each such gunicorn is given: the database, Redis under an instance prefix of the test's own (so
    that the test's gunicorns meet there, and nobody else's), one worker of `threads` threads, no rate
    limits; `settings` add to it or replace."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_test_url(),
        "REALTIME_PREFIX": f"test-{uuid.uuid4().hex[:10]}",
        "SECRET_KEY": secret_key,
        "RATELIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": str(threads),
        "LOG_LEVEL": "WARNING",
        **settings,
    }


class Gunicorn:
    """One gunicorn on a port of its own; called with a path, its URL (as the live server fixture is)."""

    def __init__(self, env, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}"}
        self.process = None

    def __call__(self, path=""):
        return f"{self.url}{path}"

    def start(self):
        """Start it, on the same port each time; `wait_until_up` waits for it to answer."""
        logging = ["--error-logfile", str(self.log)] if self.log else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *logging, "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_until_up(self, timeout=60):
        def answers():
            assert self.process.poll() is None, f"gunicorn exited: {self.log.read_text()[-2000:] if self.log else ''}"
            try:
                return requests.get(f"{self.url}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        wait_until(answers, f"gunicorn on port {self.port} to answer", timeout=timeout)

    def stop(self):
        """Stop it as the service manager does (SIGTERM), or kill it when it does not stop."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self):
        """Kill it at once, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
