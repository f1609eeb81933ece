"""Where the real services for tests live, and whether they answer."""

import os
import socket
from functools import cache
from urllib.parse import urlsplit

CI = os.environ.get("CI", "").lower() == "true"


def postgres_admin_url():
    return os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def redis_test_url():
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _answers(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@cache
def postgres_available():
    return _answers(postgres_admin_url().replace("+psycopg", ""), 5432)


@cache
def redis_available():
    return _answers(redis_test_url(), 6379)


def free_port():
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
