"""A restore is all or nothing, replaces the media, and the manifest agrees with the dump."""

import io
import json
import os
import tarfile

import pytest
import sqlalchemy as sa

from socialapp.extensions import db as _db
from socialapp.models import User
from socialapp.services import accounts, backup
from tests.conftest import empty_database
from tests.test_backup import empty_instance


def add_picture(user_id, name, content):
    path = os.path.join(accounts.user_media_dir(user_id), "img", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(content)
    return path


def media_of(app):
    root = app.config["MEDIA_ROOT"]
    return sorted(os.path.relpath(os.path.join(d, n), root) for d, _, names in os.walk(root) for n in names)


@pytest.fixture
def archive(app, make_user, tmp_path):
    """A backup of an instance where ada has one picture."""
    ada = make_user("ada")
    add_picture(ada.id, "ada.jpg", b"\xff\xd8ada")
    path = str(tmp_path / "backup.tar.gz")
    result = app.test_cli_runner().invoke(args=["backup", path])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def other(app, backend, tmp_path):
    """A second instance that has data of its own: bob and his picture."""
    with empty_instance(backend, tmp_path) as instance, instance.app_context():
        bob = User(username="bob", email="bob@example.com", password_hash="x", first_name="Bob", last_name="B")
        _db.session.add(bob)
        _db.session.commit()
        add_picture(bob.id, "bob.jpg", b"\xff\xd8bob")
        yield instance
        _db.session.remove()
        empty_database(_db)
        _db.engine.dispose()


def restore(instance, path):
    return instance.test_cli_runner().invoke(args=["restore", "--force", path])


def usernames():
    return {u.username for u in _db.session.query(User)}


def test_restore_with_force_replaces_the_media_rather_than_merging_them(archive, other):
    before = media_of(other)
    result = restore(other, archive)
    assert result.exit_code == 0, result.output
    assert usernames() == {"ada"}
    assert media_of(other) == [name.replace("bob", "ada") for name in before]
    with open(os.path.join(other.config["MEDIA_ROOT"], media_of(other)[0]), "rb") as fh:
        assert fh.read() == b"\xff\xd8ada"


def rewrite(path, change):
    """Write the archive at `path` again, its members [(TarInfo, bytes)] passed through `change`."""
    with tarfile.open(path, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read() if m.isfile() else b"") for m in archive.getmembers()]
    members = change(members)
    with tarfile.open(path, "w:gz") as archive:
        for info, content in members:
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content) if info.isfile() else None)


def with_member(name, content=b"x", kind=tarfile.REGTYPE, target=""):
    def change(members):
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, target
        return [*members, (info, content)]

    return change


def edit_manifest(edit):
    def change(members):
        result = []
        for info, content in members:
            if info.name == "manifest.json":
                manifest = json.loads(content)
                edit(manifest, members)
                content = json.dumps(manifest).encode()
            result.append((info, content))
        return result

    return change


def replace_content(name_part, content):
    def change(members):
        return [(i, content if name_part in i.name else c) for i, c in members]

    return change


def garbage_database(manifest, members):
    """The database replaced by junk that the manifest describes faithfully."""
    import hashlib

    junk = b"not a database at all" * 100
    name = next(n for n in manifest["files"] if n.startswith("database"))
    manifest["files"][name] = {"size": len(junk), "sha256": hashlib.sha256(junk).hexdigest()}
    for i, (info, _) in enumerate(members):
        if info.name == name:
            members[i] = (info, junk)


def truncate(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)


CRAFTED = {
    "a path out of the media folder": lambda p: rewrite(p, with_member("media/../../evil.txt")),
    "an absolute path": lambda p: rewrite(p, with_member("/tmp/evil.txt")),
    "an unexpected file": lambda p: rewrite(p, with_member("run-me.sh")),
    "a symbolic link": lambda p: rewrite(p, with_member("media/u/link", kind=tarfile.SYMTYPE, target="/etc/passwd")),
    "a file twice": lambda p: rewrite(p, with_member("manifest.json", b"{}")),
    "a damaged media file": lambda p: rewrite(p, replace_content("ada.jpg", b"\xff\xd8changed")),
    "a media file the manifest does not list": lambda p: rewrite(p, with_member("media/u/9/img/new.jpg")),
    "a manifest that counts other media": lambda p: rewrite(p, edit_manifest(lambda m, _: m.update(media_files=5))),
    "no manifest": lambda p: rewrite(p, lambda ms: [(i, c) for i, c in ms if i.name != "manifest.json"]),
    "no database": lambda p: rewrite(p, lambda ms: [(i, c) for i, c in ms if not i.name.startswith("database")]),
    "a database that cannot be read": lambda p: rewrite(p, edit_manifest(garbage_database)),
    "a truncated archive": truncate,
}


@pytest.mark.parametrize("craft", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_bad_archive_is_refused_before_the_database_or_media_are_touched(app, archive, make_user, craft):
    bob = make_user("bob")  # after the backup: a restore that went ahead would remove him
    add_picture(bob.id, "bob.jpg", b"\xff\xd8bob")
    media_before = media_of(app)
    craft(archive)
    result = restore(app, archive)
    assert result.exit_code != 0
    assert "Error" in result.output and "Traceback" not in result.output
    assert usernames() == {"ada", "bob"}
    assert media_of(app) == media_before
    assert [n for n in os.listdir(app.config["MEDIA_ROOT"]) if n.startswith(".")] == []


def test_the_manifest_counts_what_the_dump_holds_even_with_writes_during_the_backup(
    app, backend, make_user, monkeypatch, tmp_path
):
    make_user("ada")

    def someone_registers():
        with _db.engine.begin() as connection:
            connection.execute(
                sa.insert(User).values(
                    username="late",
                    email="late@example.com",
                    password_hash="x",
                    first_name="L",
                    last_name="L",
                    created_at=sa.func.now(),
                    followers_count=0,
                    following_count=0,
                    bio="",
                    about="",
                    address="",
                    country="",
                    website="",
                    github="",
                    linkedin="",
                    x="",
                    facebook="",
                    instagram="",
                    youtube="",
                )
            )

    # A write lands just as the dump starts, after anything the backup did before it.
    if backend == "sqlite":
        real_connect = backup.sqlite3.connect

        def connect(path, *args, **kwargs):
            if path == backup.database_url().database:
                someone_registers()
            return real_connect(path, *args, **kwargs)

        monkeypatch.setattr(backup.sqlite3, "connect", connect)
    else:
        real_run = backup.subprocess.run

        def run(command, *args, **kwargs):
            if command[0] == "pg_dump":
                someone_registers()
            return real_run(command, *args, **kwargs)

        monkeypatch.setattr(backup.subprocess, "run", run)
    path = str(tmp_path / "backup.tar.gz")
    manifest = backup.create_backup(path)
    monkeypatch.undo()
    with empty_instance(backend, tmp_path) as restored, restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", path])
        assert result.exit_code == 0, result.output
        assert backup.row_counts() == manifest["rows"]
        _db.session.remove()
        empty_database(_db)
        _db.engine.dispose()
