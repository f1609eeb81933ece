"""Shared pieces of the benchmarks: fresh databases, timing, and result tables."""

import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The profile columns of a bulk-inserted user row, left empty.
USER_DEFAULTS = {
    "bio": "",
    "about": "",
    "address": "",
    "country": "",
    "website": "",
    "github": "",
    "linkedin": "",
    "x": "",
    "facebook": "",
    "instagram": "",
    "youtube": "",
}
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def fresh_database(backend, name=None):
    """A migrated, empty database URL of the given backend, removed afterwards.

    On PostgreSQL the database is called `name` (dropped first if a crashed run left it), else a random name.
    """
    from flask_migrate import upgrade

    from socialapp import create_app

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/bench.sqlite3"
        else:
            name = name or f"socialapp_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            stack.callback(admin.dispose)
            stack.callback(lambda: admin.connect().execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
            url = admin.url.set(database=name).render_as_string(hide_password=False)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            upgrade()
        yield url


def postgres_reachable():
    try:
        sa.create_engine(POSTGRES_ADMIN).connect().close()
        return True
    except sa.exc.OperationalError:
        return False


def measure(client, path, headers=None, expect=None, runs=50, warmup=5):
    """Median and 95th percentile server time in ms of GET `path` through the test client; the warm-up
    answers must be 200 and, when given, hold the text `expect`."""
    for _ in range(warmup):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert expect is None or expect in response.get_data(as_text=True), path
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


class Progress:
    """Prints each step's label and time, in place of `flask generate-data`'s progress bar."""

    def __init__(self, total, label):
        self.label, self.total = label, total

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def update(self, n):
        pass

    def __exit__(self, *exc):
        print(f"  {self.label}: {self.total:,} in {time.perf_counter() - self.start:.1f} s", flush=True)


def print_table(title, rows):
    print(f"\n{title}\n")
    print("| backend | what | median ms | p95 ms |")
    print("|---|---|---|---|")
    for backend, what, median, p95 in rows:
        print(f"| {backend} | {what} | {median:.1f} | {p95:.1f} |")
