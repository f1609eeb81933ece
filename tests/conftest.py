"""Fixtures: the app on SQLite and on PostgreSQL, a live server, a real SMTP server, a browser.

Every test that takes `app` (or `client`, `db_session`...) runs once per database: SQLite always,
PostgreSQL when it answers (and it must answer when CI=true).
"""

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.support.services import CI, postgres_admin_url, postgres_available, redis_available

pytest_plugins = ["tests.support.browser", "tests.support.mailserver", "tests.support.redis_server"]


def pytest_sessionstart(session):
    if not CI:
        return
    missing = [name for name, ok in (("PostgreSQL", postgres_available()), ("Redis", redis_available())) if not ok]
    if missing:
        pytest.exit(f"CI=true but {' and '.join(missing)} cannot be reached; the suite needs them.", returncode=3)


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
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        _migrate(url)
        yield url
        return
    if not postgres_available():
        if CI:
            pytest.fail("PostgreSQL is required when CI=true")
        pytest.skip("PostgreSQL is not running here")
    with new_postgres_database() as url:
        _migrate(url)
        yield url


@contextlib.contextmanager
def new_postgres_database(prefix="socialapp_test"):
    """Create an empty PostgreSQL database with a unique name; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_database(db):
    """Delete every row so the next test starts from nothing, keeping the migrated schema."""
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


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


@pytest.fixture
def app(database_url, tmp_path, app_overrides):
    from socialapp import create_app
    from socialapp.extensions import db

    app = create_app(app_config(database_url, tmp_path, **app_overrides))
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
