"""An upgrade keeps the data: a database made at the first migration, holding rows, upgraded to the newest."""

import contextlib

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from socialapp import create_app
from tests.conftest import new_postgres_database
from tests.support.services import CI, postgres_available

USER = (
    "INSERT INTO users (id, username, email, password_hash, first_name, last_name, created_at, session_token,"
    " bio, about, address, country, website, github, linkedin, x, facebook, instagram, youtube,"
    " followers_count, following_count) VALUES (:id, :name, :email, 'hash', :name, 'Old',"
    " '2025-01-02 03:04:05', :token, 'bio', '', '', 'FR', '', '', '', '', '', '', '', :followers, :following)"
)


@contextlib.contextmanager
def database(backend, tmp_path):
    if backend == "sqlite":
        yield "sqlite:///" + str(tmp_path / "upgrade.sqlite3")
        return
    if not postgres_available():
        if CI:
            pytest.fail("PostgreSQL is required when CI=true")
        pytest.skip("PostgreSQL is not running here")
    with new_postgres_database("socialapp_upgrade") as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_data_from_the_first_schema_survives_an_upgrade_to_the_newest(backend, tmp_path):
    with database(backend, tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "MEDIA_ROOT": str(tmp_path)})
        with app.app_context():
            from socialapp.extensions import db

            upgrade(revision="0001")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(USER),
                    {
                        "id": 1,
                        "name": "ada",
                        "email": "ada@example.org",
                        "token": "a" * 32,
                        "followers": 0,
                        "following": 1,
                    },
                )
                conn.execute(
                    sa.text(USER),
                    {
                        "id": 2,
                        "name": "bob",
                        "email": "bob@example.org",
                        "token": "b" * 32,
                        "followers": 1,
                        "following": 0,
                    },
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO follows (follower_id, followed_id, created_at) VALUES (1, 2, '2025-01-02 03:04:05')"
                    )
                )
            upgrade()  # to whatever the newest migration is
            with db.engine.connect() as conn:
                head = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
                users = conn.execute(sa.text("SELECT id, username, email, followers_count FROM users ORDER BY id"))
                follows = conn.execute(sa.text("SELECT follower_id, followed_id FROM follows")).all()
            assert head != "0001"
            assert [tuple(row) for row in users] == [(1, "ada", "ada@example.org", 0), (2, "bob", "bob@example.org", 1)]
            assert [tuple(row) for row in follows] == [(1, 2)]
            # The upgraded database serves the app: the old account's profile page renders.
            assert app.test_client().get("/u/ada").status_code in (200, 302)
            db.session.remove()
            db.engine.dispose()
