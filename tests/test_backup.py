"""`flask backup` then `flask restore` into an empty instance finds everything again."""

import contextlib
import os

import pytest

from socialapp import create_app
from socialapp.extensions import db as _db
from socialapp.models import Follow, User
from socialapp.services import accounts, backup
from tests.conftest import app_config, empty_database, migrated_database
from tests.support.services import CI, postgres_available


@contextlib.contextmanager
def empty_instance(backend, tmp_path):
    """A second, migrated and empty instance of the app on the same kind of database."""
    folder = tmp_path / "other"
    folder.mkdir()
    with migrated_database(backend, folder, "socialapp_restore") as url:
        yield create_app(app_config(url, folder))


def test_backup_and_restore_into_an_empty_instance(app, backend, make_user, tmp_path):
    ada, bob = make_user("ada"), make_user("bob")
    _db.session.add(Follow(follower_id=ada.id, followed_id=bob.id))
    _db.session.commit()
    picture = os.path.join(accounts.user_media_dir(ada.id), "img", "abc-avatar.jpg")
    os.makedirs(os.path.dirname(picture))
    with open(picture, "wb") as fh:
        fh.write(b"\xff\xd8picture bytes")
    counts = backup.row_counts()
    archive = str(tmp_path / "backup.tar.gz")

    result = app.test_cli_runner().invoke(args=["backup", archive])
    assert result.exit_code == 0, result.output
    assert "2 media" not in result.output and "1 media files" in result.output

    with empty_instance(backend, tmp_path) as other, other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", archive])
        assert result.exit_code == 0, result.output
        assert backup.row_counts() == counts
        assert {u.username for u in _db.session.query(User)} == {"ada", "bob"}
        assert _db.session.query(Follow).one().follower_id == ada.id
        restored = os.path.join(other.config["MEDIA_ROOT"], "u", str(ada.id), "img", "abc-avatar.jpg")
        with open(restored, "rb") as fh:
            assert fh.read() == b"\xff\xd8picture bytes"
        # A restored instance works: its users can log in.
        response = other.test_client().post("/login", data={"login": "ada", "password": "correct horse battery staple"})
        assert response.status_code == 302
        _db.session.remove()
        empty_database(_db)
        _db.engine.dispose()


def test_restore_refuses_to_overwrite_an_instance_with_data(app, make_user, tmp_path):
    make_user("ada")
    archive = str(tmp_path / "backup.tar.gz")
    app.test_cli_runner().invoke(args=["backup", archive])
    result = app.test_cli_runner().invoke(args=["restore", archive])
    assert result.exit_code != 0
    assert "already has data" in result.output
    assert accounts.find_by_username("ada") is not None


def test_restore_refuses_a_backup_of_another_kind_of_database(app, backend, make_user, tmp_path):
    other_backend = "postgresql" if backend == "sqlite" else "sqlite"
    if other_backend == "postgresql" and not postgres_available():
        if CI:
            pytest.fail("PostgreSQL is required when CI=true")
        pytest.skip("PostgreSQL is not running here")
    archive = str(tmp_path / "backup.tar.gz")
    app.test_cli_runner().invoke(args=["backup", "--allow-empty", archive])
    with empty_instance(other_backend, tmp_path) as other, other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", archive])
        assert result.exit_code != 0
        assert f"This backup is of a {backend} database" in result.output
        _db.engine.dispose()


def test_backup_archive_is_readable_by_its_owner_only(app, make_user, tmp_path):
    make_user("ada")
    archive = tmp_path / "backup.tar.gz"
    old_umask = os.umask(0o022)
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert archive.stat().st_mode & 0o777 == 0o600


def test_backup_refuses_an_empty_database_unless_allowed(app, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    archive = tmp_path / "backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code != 0
    assert "holds no rows" in result.output and "DATABASE_URL is not set" in result.output
    assert not archive.exists() and not (tmp_path / "backup.tar.gz.partial").exists()

    result = app.test_cli_runner().invoke(args=["backup", "--allow-empty", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.exists()
