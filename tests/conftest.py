"""Fixtures: the app on SQLite and on PostgreSQL, a live server, a real SMTP server, a browser.

Every test that takes `app` (or `client`, `db_session`...) runs once per database: SQLite always,
PostgreSQL when it answers (and it must answer when CI=true).
"""

import contextlib
import os
import uuid

import jinja2
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.services import CI, postgres_admin_url, postgres_available, redis_available

pytest_plugins = [
    "tests.support.browser",
    "tests.support.mailserver",
    "tests.support.redis_server",
    "tests.support.s3_server",
    "tests.support.turn_server",
    "tests.support.janus_server",
]


# Modules whose tests share a costly module-scoped fixture (test_demo.py seeds once per backend).
ONE_WORKER_MODULES = {"tests/test_demo.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With -n, deal tests out one by one as `--dist load` does, but each of ONE_WORKER_MODULES whole to
    one worker, so that not every worker pays for its fixture. (`--dist loadgroup` would do, but loses its
    groups with pytest 9.2: pytest-xdist issue 1386.)"""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return Scheduling(config, log)


def pytest_sessionstart(session):
    if not CI:
        return
    missing = [name for name, ok in (("PostgreSQL", postgres_available()), ("Redis", redis_available())) if not ok]
    if missing:
        pytest.exit(f"CI=true but {' and '.join(missing)} cannot be reached; the suite needs them.", returncode=3)


# Test databases are thrown away, so their commits need not wait for the disk: SQLite skips its fsync
# here, and PostgreSQL test databases are made with synchronous_commit off (new_postgres_database).
@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def _migrate(url):
    from flask_migrate import upgrade

    from socialapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        from socialapp.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole session, on each backend."""
    if request.param == "postgresql" and not postgres_available():
        if CI:
            pytest.fail("PostgreSQL is required when CI=true")
        pytest.skip("PostgreSQL is not running here")
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@contextlib.contextmanager
def migrated_database(backend, folder, prefix="socialapp_test"):
    """A new, migrated, empty database on `backend` ('sqlite' in `folder`, or 'postgresql'), dropped after."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = "sqlite:///" + str(folder / f"{prefix}.sqlite3")
        else:
            url = stack.enter_context(new_postgres_database(prefix))
        _migrate(url)
        yield url


@contextlib.contextmanager
def new_postgres_database(prefix="socialapp_test"):
    """Create an empty PostgreSQL database with a unique name; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_database(db):
    """Delete every row so the next test starts from nothing, keeping the migrated schema; ids start at 1 again.

    DELETE rather than PostgreSQL's TRUNCATE: on tables this small, TRUNCATE (which gives each table new
    files) takes ten times as long, and it runs after every test.
    """
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            conn.execute(
                sa.text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences")
            )


def app_config(database_url, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "MAIL_SERVER": None,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_overrides(request):
    """Config for the app: parametrise indirectly, or override the fixture in a module."""
    return getattr(request, "param", {})


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept for every app the tests build: each test has an app of its own, which
    would otherwise parse and compile again every template the test before it rendered. Jinja keys the
    code by template and source checksum, so an edited template is compiled afresh."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture
def app(database_url, tmp_path, app_overrides):
    from socialapp import create_app
    from socialapp.extensions import db

    app = create_app(app_config(database_url, tmp_path, **app_overrides))
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_database(db)
        db.engine.dispose()


class RequestScopedClient(FlaskClient):
    """A test client whose every request gets its own app context, as on a real server.

    Without this, requests would share the test's app context, and so its `g` (the logged-in user)
    and its database session.
    """

    def open(self, *args, **kwargs):
        from socialapp.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session sees what the request wrote
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    from socialapp.extensions import db

    return db


@pytest.fixture
def backend(app):
    """'sqlite' or 'postgresql'."""
    from socialapp.extensions import db

    return db.engine.dialect.name


@pytest.fixture
def make_user(app):
    from tests.support.factories import make_user

    return make_user


@pytest.fixture
def ada(make_user):
    return make_user("ada")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def block(app):
    """`block(blocker, blocked)` puts the block's row straight into the database."""
    from tests.support.factories import make_block

    return make_block


@pytest.fixture
def login(client):
    """Log `user` in on the test client, as the login form would."""

    def login(user, on=client):
        from socialapp.services.sessions import start_session

        with on.session_transaction() as session:
            session["_user_id"] = start_session(user).get_id()
            session["_fresh"] = True
        return on

    return login


@pytest.fixture
def limited(app):
    """The app with its rate-limit counters at zero (see tests.support.limits.rate_limited)."""
    from socialapp.extensions import limiter

    limiter.reset()
    return app


@pytest.fixture
def outbox(app):
    from tests.support.mail import Outbox

    return Outbox(app.config["MAIL_OUTBOX"])


@pytest.fixture(autouse=True)
def _no_ambient_services(monkeypatch):
    # Tests choose their services explicitly; the developer's own environment must not leak in.
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "SOCIALAPP_ENV", "SECRET_KEY", "SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    os.environ.setdefault("FLASK_DEBUG", "0")
