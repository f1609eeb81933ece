"""Media storage: every flow that writes, reads or deletes pictures does so the same way on the local folder
and on an S3-compatible object store (moto's server mode, a separate process spoken to over real HTTP:
tests/support/s3_server.py), and the media route keeps its checks (logged in, verified, no block) on both.
"""

import io
import os
import random
import tarfile
import zipfile

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from socialapp import create_app
from socialapp.extensions import db as _db
from socialapp.models import Post, PostImage, User
from socialapp.services import accounts, backup, export, images, moderation, pictures, posts, profiles, storage
from tests.conftest import app_config, empty_database, migrated_database
from tests.support.factories import make_user as _make_user
from tests.support.pictures import picture_bytes, upload
from tests.support.services import free_port


@pytest.fixture(params=["local", "s3"])
def store_kind(request):
    return request.param


@pytest.fixture
def app_overrides(request, store_kind):
    """Each test runs on local storage and on a bucket of its own on the test S3 server."""
    return request.getfixturevalue("s3_bucket") if store_kind == "s3" else {}


def stored(prefix=""):
    """Every key in the app's store under `prefix`, sorted."""
    return sorted(key for key, _ in storage.media().list(prefix))


def read(key):
    with storage.media().open(key) as source:
        return source.read()


def picture(size=(900, 600), color=(200, 30, 30), name="picture.png"):
    return FileStorage(io.BytesIO(picture_bytes(size=size, color=color)), name)


def files_of(post):
    return [
        images.media_key(post.author_id, p.key, variant, extension)
        for p in posts.pictures_of(post.id)
        for variant, extension, _ in pictures.stored_files(p)
    ]


def test_the_configured_store_is_the_one_used(app, store_kind, s3_server):
    assert storage.media().kind == store_kind
    if store_kind == "s3":
        storage.media().save("u/1/img/probe-x.jpg", b"probe", "image/jpeg")
        assert s3_server.read(app.config["S3_BUCKET"], "u/1/img/probe-x.jpg") == b"probe"


def test_a_posted_picture_is_stored_and_served_to_the_logged_in_but_not_across_a_block(
    app, client, login, make_user, block
):
    ada, bob, eve = make_user("ada"), make_user("bob"), make_user("eve")
    login(ada)
    response = client.post(
        "/posts", data={"body": "sunset", "images": [upload(picture_bytes(size=(700, 500)))]}, follow_redirects=False
    )
    assert response.status_code in (200, 302, 303)
    post = _db.session.query(Post).one()
    keys = files_of(post)
    assert keys and stored(storage.media_prefix(ada.id)) == sorted(keys)
    largest = posts.pictures_of(post.id)[0]
    address = f"/media/{ada.id}/{largest.key}/w{largest.width}.{images.SIZED_EXTENSION}"

    login(bob)
    shown = client.get(address)
    assert shown.status_code == 200
    assert shown.data == read(keys[-1]) and len(shown.data) > 100
    assert shown.mimetype == images.EXTENSIONS[images.SIZED_EXTENSION][1]
    assert {"private", "immutable"} <= set(shown.headers["Cache-Control"].replace(" ", "").split(","))
    assert "max-age=31536000" in shown.headers["Cache-Control"]
    # The browser's copy stays good: asking again with its ETag costs no bytes.
    again = client.get(address, headers={"If-None-Match": shown.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    block(eve, ada)
    login(eve)
    assert client.get(address).status_code == 404
    assert app.test_client().get(address).status_code == 302  # to the login page


def test_an_unverified_person_is_not_sent_a_picture(client, login, make_user):
    ada, newcomer = make_user("ada"), make_user("newcomer", verified=False)
    post = posts.create_post(ada, "hello", [picture()])
    image = posts.pictures_of(post.id)[0]
    login(newcomer)
    response = client.get(f"/media/{ada.id}/{image.key}/w320.{images.SIZED_EXTENSION}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "address",
    [
        "/media/1/{key}/w99999.webp",  # a width never stored
        "/media/1/{other}/w320.webp",  # a key never stored
        "/media/1/{key}/w320.png",  # a format never stored
        "/media/1/short/w320.webp",  # not the shape of a key
        "/media/1/{key}/W-320.webp",  # not the shape of a variant
        "/media/99999999999999999999/{key}/w320.webp",  # an id past the database's range
        "/media/1/{key}%2F..%2F..%2Fetc/w320.webp",  # a path in disguise
    ],
)
def test_media_addresses_that_name_nothing_are_not_found(client, login, make_user, address):
    ada = make_user("ada")
    post = posts.create_post(ada, "hello", [picture()])
    key = posts.pictures_of(post.id)[0].key
    login(ada)
    response = client.get(address.format(key=key, other="b" * 24).replace("webp", images.SIZED_EXTENSION, 1))
    assert response.status_code == 404


def test_a_refused_picture_leaves_nothing_in_the_store(client, login, make_user):
    ada = make_user("ada")
    login(ada)
    response = client.post(
        "/posts",
        data={"body": "two", "images": [upload(picture_bytes()), upload(b"not a picture at all", "x.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert stored() == []


def test_a_new_profile_picture_replaces_the_old_one_in_the_store(app, make_user):
    ada = make_user("ada")
    profiles.set_picture(ada, picture(size=(400, 400)))
    first = ada.avatar_key
    assert stored() == sorted(images.media_key(ada.id, first, v) for v in profiles.PICTURE_VARIANTS)
    profiles.set_picture(ada, picture(size=(400, 400), color=(0, 0, 255)))
    assert stored() == sorted(images.media_key(ada.id, ada.avatar_key, v) for v in profiles.PICTURE_VARIANTS)
    profiles.remove_picture(ada)
    assert stored() == []


def test_deleting_a_post_deletes_its_files_and_only_them(make_user):
    ada = make_user("ada")
    kept = posts.create_post(ada, "kept", [picture()])
    gone = posts.create_post(ada, "gone", [picture(color=(0, 90, 0)), picture(size=(300, 700))])
    posts.delete_post(ada, gone.id)
    assert stored() == sorted(files_of(kept))


def test_an_admin_deleting_a_person_deletes_all_their_files_and_nobody_elses(make_user):
    admin, ada, bob = make_user("root", role="admin"), make_user("ada"), make_user("bob")
    profiles.set_picture(ada, picture(size=(300, 300)))
    posts.create_post(ada, "mine", [picture()])
    theirs = posts.create_post(bob, "theirs", [picture()])
    moderation.delete_person(admin, ada, "Spam")
    assert _db.session.get(User, ada.id) is None
    assert stored() == sorted(files_of(theirs))


def test_deleting_ones_own_account_deletes_its_files(make_user):
    ada = make_user("ada")
    posts.create_post(ada, "mine", [picture()])
    accounts.remove_account(ada)
    assert stored() == []


def test_the_export_holds_the_pictures_from_the_store(make_user):
    ada = make_user("ada")
    profiles.set_picture(ada, picture(size=(600, 600), color=(10, 200, 10)))
    post = posts.create_post(ada, "engine", [picture(size=(1700, 1275))])
    image = posts.pictures_of(post.id)[0]
    with export.export_archive(ada) as out, zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        extension = images.SIZED_EXTENSION
        assert {"pictures/avatar.jpg", f"pictures/posts/{post.id}-1.{extension}"} <= names
        assert archive.read("pictures/avatar.jpg") == read(images.media_key(ada.id, ada.avatar_key, "avatar"))
        largest = images.media_key(ada.id, image.key, f"w{image.width}", extension)
        assert archive.read(f"pictures/posts/{post.id}-1.{extension}") == read(largest)
        assert archive.getinfo("pictures/avatar.jpg").compress_type == zipfile.ZIP_STORED
        posts_json = archive.read("posts.json").decode()
        assert f'"file": "pictures/posts/{post.id}-1.{extension}"' in posts_json


def test_a_picture_gone_from_the_store_is_left_out_of_the_export_and_named_nowhere(make_user):
    ada = make_user("ada")
    post = posts.create_post(ada, "engine", [picture()])
    for key in files_of(post):
        storage.media().delete(key)
    with export.export_archive(ada) as out, zipfile.ZipFile(out) as archive:
        assert not [n for n in archive.namelist() if n.startswith("pictures/")]
        assert '"file": null' in archive.read("posts.json").decode()


@pytest.fixture
def other_instance(backend, store_kind, tmp_path, request):
    """A second, empty instance on the same kind of database and store (a bucket of its own), holding a
    stray file of its own that a restore must remove."""
    overrides = {}
    if store_kind == "s3":
        overrides = {**request.getfixturevalue("s3_bucket")}
        overrides["S3_BUCKET"] = request.getfixturevalue("s3_server").new_bucket()
    folder = tmp_path / "other"
    folder.mkdir()
    with migrated_database(backend, folder, "socialapp_restore") as url:
        instance = create_app(app_config(url, folder, **overrides))
        with instance.app_context():
            storage.media().save("u/77/img/stray-avatar.jpg", b"stray", "image/jpeg")
        yield instance
        with instance.app_context():
            _db.session.remove()
            empty_database(_db)
            _db.engine.dispose()


def test_backup_holds_the_stores_files_and_restore_puts_exactly_them_in_another_store(
    app, make_user, tmp_path, other_instance
):
    ada = make_user("ada")
    post = posts.create_post(ada, "engine", [picture()])
    originals = {key: read(key) for key in stored()}
    assert sorted(originals) == sorted(files_of(post))
    archive_path = str(tmp_path / "backup.tar.gz")
    result = app.test_cli_runner().invoke(args=["backup", archive_path])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive_path) as archive:
        assert sorted(n for n in archive.getnames() if n.startswith("media/")) == sorted(
            f"media/{k}" for k in originals
        )

    with other_instance.app_context():
        result = other_instance.test_cli_runner().invoke(args=["restore", "--force", archive_path])
        assert result.exit_code == 0, result.output
        assert stored() == sorted(originals)  # the stray file is gone: replaced, not merged
        assert all(read(key) == data for key, data in originals.items())
        assert _db.session.query(PostImage).count() == 1
        assert backup.row_counts()["posts"] == 1
        _db.session.remove()


def test_a_damaged_backup_leaves_the_other_store_as_it_was(app, make_user, tmp_path, other_instance):
    ada = make_user("ada")
    posts.create_post(ada, "engine", [picture()])
    archive_path = str(tmp_path / "backup.tar.gz")
    assert app.test_cli_runner().invoke(args=["backup", archive_path]).exit_code == 0
    damaged = str(tmp_path / "damaged.tar.gz")
    with tarfile.open(archive_path) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    with other_instance.app_context():
        result = other_instance.test_cli_runner().invoke(args=["restore", "--force", damaged])
        assert result.exit_code != 0 and "damaged" in result.output
        assert stored() == ["u/77/img/stray-avatar.jpg"]
        _db.session.remove()


def test_a_key_prefix_keeps_the_instances_objects_apart_in_a_shared_bucket(s3_bucket, s3_server, tmp_path):
    app = create_app(app_config("sqlite://", tmp_path, **s3_bucket, S3_KEY_PREFIX="site-one/"))
    with app.app_context():
        storage.media().save("u/1/img/abc-avatar.jpg", b"one", "image/jpeg")
        assert stored() == ["u/1/img/abc-avatar.jpg"]
    assert s3_server.keys(s3_bucket["S3_BUCKET"]) == ["site-one/u/1/img/abc-avatar.jpg"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "S3_BUCKET"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be 'local' or 's3'"),
    ],
)
def test_a_store_that_cannot_work_stops_the_app_from_starting(tmp_path, settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(app_config("sqlite://", tmp_path, **settings))


@pytest.mark.parametrize("key", ["", "/u/1/x", "u/../x", "u//x", "u/./x", "u\\x", "u/1/x\0"])
def test_a_key_that_could_leave_the_store_is_refused(tmp_path, key):
    with pytest.raises(ValueError):
        storage.LocalStorage(str(tmp_path)).path(key)


def test_the_demo_peoples_pictures_go_to_the_store(app):
    from socialapp.services import demo

    users = demo.seed_people(random.Random(7), lambda items, label: items)
    assert users and all(u.avatar_key for u in users)
    expected = sorted(images.media_key(u.id, u.avatar_key, v) for u in users for v in profiles.PICTURE_VARIANTS)
    assert stored() == expected


def test_a_backup_of_local_media_restores_into_an_s3_store(database_url, s3_bucket, tmp_path):
    """Moving an instance to the object store by backup and restore: the archive names files by key either way."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    source_folder, target_folder = tmp_path / "local", tmp_path / "s3"
    source_folder.mkdir()
    target_folder.mkdir()
    archive_path = str(tmp_path / "backup.tar.gz")
    with migrated_database(backend, source_folder, "socialapp_local") as url:
        local = create_app(app_config(url, source_folder))
        with local.app_context():
            ada = _make_user("ada")
            post = posts.create_post(ada, "engine", [picture()])
            originals = {key: read(key) for key in stored()}
            assert sorted(originals) == sorted(files_of(post))
            assert local.test_cli_runner().invoke(args=["backup", archive_path]).exit_code == 0
            _db.session.remove()
            _db.engine.dispose()
    with migrated_database(backend, target_folder, "socialapp_s3") as url:
        s3 = create_app(app_config(url, target_folder, **s3_bucket))
        with s3.app_context():
            result = s3.test_cli_runner().invoke(args=["restore", archive_path])
            assert result.exit_code == 0, result.output
            assert storage.media().kind == "s3"
            assert {key: read(key) for key in stored()} == originals
            _db.session.remove()
            _db.engine.dispose()


def test_a_store_that_does_not_answer_is_a_503_not_a_500(s3_bucket, tmp_path, database_url):
    """The object store down (here: nothing listens on its port) is the server's trouble, said as such."""
    from socialapp.services.sessions import start_session

    app = create_app(
        app_config(database_url, tmp_path, **{**s3_bucket, "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    )
    with app.app_context():
        ada = _make_user("ada")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = start_session(ada).get_id()
        response = client.get(f"/media/{ada.id}/{'a' * 24}/w320.{images.SIZED_EXTENSION}")
        assert response.status_code == 503
        # A post with a picture is refused with a message, and nothing of it is kept.
        posted = client.post("/posts", data={"body": "sunset", "images": [upload(picture_bytes())]})
        assert posted.status_code == 503
        assert b"Pictures cannot be stored right now" in posted.data
        assert _db.session.query(Post).count() == 0
        _db.session.remove()
        empty_database(_db)
        _db.engine.dispose()


class ReadsRecorded:
    """Wraps the app's store so that every read of an opened file records how much it asked for."""

    def __init__(self, store):
        self.store, self.sizes = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def open(self, key):
        source, sizes = self.store.open(key), self.sizes

        class Recorded:
            def read(self, size=-1):
                sizes.append(size)
                return source.read(size)

            def close(self):
                source.close()

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                source.close()

        return Recorded()


def noise(size):
    """A picture of random pixels, which no encoder makes small: its stored files are larger than a chunk."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "PNG")
    return FileStorage(io.BytesIO(buffer.getvalue()), "noise.png")


def test_the_export_and_the_backup_read_pictures_in_bounded_chunks(app, make_user, tmp_path):
    ada = make_user("ada")
    post = posts.create_post(ada, "big", [noise((640, 480))])
    assert max(size for key, size in storage.media().list() if key in files_of(post)) > 2 * storage.CHUNK
    recorded = app.extensions["media_storage"] = ReadsRecorded(storage.media())
    with export.export_archive(ada) as out:
        assert out.read(2) == b"PK"
    assert recorded.sizes and all(0 < size <= storage.CHUNK for size in recorded.sizes)
    recorded.sizes.clear()
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup.tar.gz")]).exit_code == 0
    assert recorded.sizes and all(0 < size <= storage.CHUNK for size in recorded.sizes)
