"""Export my data: the zip a person downloads from settings holds their own profile, posts, comments, likes,
follows, blocks, chat messages and pictures, and nothing private of anybody else's."""

import io
import json
import zipfile

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from socialapp.extensions import db
from socialapp.models import PostImage, User
from socialapp.models.base import utcnow
from socialapp.services import chat, comments, export, posts, profiles, social
from socialapp.services.images import SIZED_EXTENSION
from tests.support.limits import rate_limited
from tests.support.pictures import picture_bytes

FILES = {
    "README.txt",
    "profile.json",
    "posts.json",
    "comments.json",
    "likes.json",
    "following.json",
    "followers.json",
    "blocks.json",
    "messages.json",
}


def picture(name="picture.png", size=(1700, 1275), color=(200, 30, 30)):
    return FileStorage(io.BytesIO(picture_bytes(size=size, color=color)), name)


@pytest.fixture
def network(make_user):
    """Ada, with something of everything; Bob and Cy, who talk to her and to each other; Dan, whom she blocked."""
    ada = make_user("ada", first_name="Ada", last_name="Lovelace", bio="Counting engines")
    bob, cy, dan = make_user("bob"), make_user("cy"), make_user("dan")
    profiles.set_picture(ada, picture("me.png", size=(600, 600), color=(10, 200, 10)))
    own = posts.create_post(ada, "My first engine #math", [picture("engine.png")])
    db.session.execute(db.update(PostImage).where(PostImage.post_id == own.id).values(alt_text="A brass engine"))
    db.session.commit()
    posts.create_post(ada, "Just words")
    theirs = posts.create_post(bob, "Bob's secret garden", [picture("garden.png", color=(0, 0, 255))])
    comments.add_comment(ada, theirs.id, "Lovely garden")
    comments.add_comment(bob, own.id, "Bob says nice")
    posts.like(ada, theirs.id)
    posts.like(bob, own.id)
    social.follow(ada, bob)
    social.follow(cy, ada)
    social.block(ada, dan)
    social.block(cy, bob)  # Cy's own block: nothing of Ada's
    chat.send_message(ada, bob, "Hello Bob")
    chat.send_message(bob, ada, "Hi Ada")
    chat.send_message(cy, ada, "Ada, it's Cy")
    deleted = chat.send_message(ada, cy, "Oops, wrong person")
    chat.delete_message(ada, deleted.id)
    chat.send_message(bob, dan, "Bob to Dan only")  # a conversation Ada is not in
    return ada, own, theirs


def export_zip(client):
    response = client.post("/settings/export")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response, zipfile.ZipFile(io.BytesIO(response.get_data()))


def read_json(archive, name):
    return json.loads(archive.read(name))


def test_the_export_holds_each_kind_of_data_of_its_owner(client, login, network):
    ada, own, theirs = network
    login(ada)
    response, archive = export_zip(client)
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert f"socialapp-ada-{utcnow().date().isoformat()}.zip" in disposition and "attachment" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert names == FILES | {"pictures/avatar.jpg", f"pictures/posts/{own.id}-1.{SIZED_EXTENSION}"}

    readme = archive.read("README.txt").decode()
    for name in FILES - {"README.txt"}:
        assert name in readme
    assert "@ada" in readme

    profile = read_json(archive, "profile.json")
    assert profile["username"] == "ada" and profile["first_name"] == "Ada" and profile["last_name"] == "Lovelace"
    assert profile["email"] == "ada@example.com" and profile["bio"] == "Counting engines"
    assert profile["picture"] == "pictures/avatar.jpg" and profile["joined_at"].endswith("Z")
    assert "password_hash" not in profile and not any("password" in key for key in profile)

    written = read_json(archive, "posts.json")
    assert [post["text"] for post in written] == ["My first engine #math", "Just words"]
    assert written[0]["id"] == own.id and written[0]["likes"] == 1 and written[0]["comments"] == 1
    (shown,) = written[0]["pictures"]
    assert shown["file"] == f"pictures/posts/{own.id}-1.{SIZED_EXTENSION}" and shown["alt_text"] == "A brass engine"
    assert written[1]["pictures"] == []

    (comment,) = read_json(archive, "comments.json")
    assert comment["text"] == "Lovely garden" and comment["post_id"] == theirs.id and comment["post_author"] == "bob"
    assert comment["in_reply_to"] is None
    (like,) = read_json(archive, "likes.json")
    assert like["post_id"] == theirs.id and like["post_author"] == "bob"
    assert [person["username"] for person in read_json(archive, "following.json")] == ["bob"]
    assert [person["username"] for person in read_json(archive, "followers.json")] == ["cy"]
    assert [person["username"] for person in read_json(archive, "blocks.json")] == ["dan"]

    messages = read_json(archive, "messages.json")
    assert [(m["from"], m["to"], m["direction"], m["text"]) for m in messages] == [
        ("ada", "bob", "sent", "Hello Bob"),
        ("bob", "ada", "received", "Hi Ada"),
        ("cy", "ada", "received", "Ada, it's Cy"),
    ]
    assert {m["conversation_with"] for m in messages} == {"bob", "cy"}


def test_the_pictures_are_the_largest_size_kept(client, login, network):
    ada, own, _ = network
    login(ada)
    _, archive = export_zip(client)
    with Image.open(io.BytesIO(archive.read(f"pictures/posts/{own.id}-1.{SIZED_EXTENSION}"))) as image:
        # The largest file kept: the picture's own size (1700 px, under the 2048 px bound), not a smaller width.
        assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[SIZED_EXTENSION] and image.size == (1700, 1275)
    with Image.open(io.BytesIO(archive.read("pictures/avatar.jpg"))) as image:
        assert image.size == (256, 256)
        assert image.getpixel((128, 128))[1] > 150  # Ada's green picture
    assert archive.getinfo("pictures/avatar.jpg").compress_type == zipfile.ZIP_STORED


def test_nothing_private_of_anybody_else_is_in_it(client, login, network):
    ada, _, theirs = network
    login(ada)
    _, archive = export_zip(client)
    everything = b"".join(archive.read(name) for name in archive.namelist() if not name.startswith("pictures/"))
    for secret in (b"Bob to Dan only", b"Oops, wrong person", b"Bob says nice", b"secret garden", b"bob@example"):
        assert secret not in everything
    assert f"pictures/posts/{theirs.id}-1.{SIZED_EXTENSION}" not in archive.namelist()
    assert b"password" not in everything.lower().replace(b"password_", b"")


def test_each_person_exports_only_their_own_data(client, login, network):
    _, _, theirs = network
    login(db.session.get(User, theirs.author_id))
    _, archive = export_zip(client)
    assert read_json(archive, "profile.json")["username"] == "bob"
    assert [post["text"] for post in read_json(archive, "posts.json")] == ["Bob's secret garden"]
    assert [m["text"] for m in read_json(archive, "messages.json")] == ["Hello Bob", "Hi Ada", "Bob to Dan only"]
    assert b"Ada, it's Cy" not in archive.read("messages.json")


def test_an_account_with_nothing_gets_empty_lists(client, login, make_user):
    login(make_user("newbie"))
    _, archive = export_zip(client)
    assert set(archive.namelist()) == FILES
    for name in FILES - {"README.txt", "profile.json"}:
        assert read_json(archive, name) == []
    assert read_json(archive, "profile.json")["picture"] is None


@pytest.mark.parametrize("app_overrides", [{"EXPORT_BATCH_SIZE": 2}], indirect=True)
def test_batches_walk_every_row_once(client, login, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    for n in range(5):
        posts.create_post(ada, f"post {n}")
        chat.send_message(ada if n % 2 else bob, bob if n % 2 else ada, f"message {n}")
    for n in range(5):
        social.follow(make_user(f"fan{n}"), ada)
    login(ada)
    _, archive = export_zip(client)
    assert [p["text"] for p in read_json(archive, "posts.json")] == [f"post {n}" for n in range(5)]
    assert [m["text"] for m in read_json(archive, "messages.json")] == [f"message {n}" for n in range(5)]
    assert sorted(f["username"] for f in read_json(archive, "followers.json")) == [f"fan{n}" for n in range(5)]


def test_the_service_writes_the_same_zip_without_a_request(app, network):
    ada = network[0]
    with export.export_archive(ada) as out, zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) >= FILES
    assert export.export_filename(ada).startswith("socialapp-ada-")


def test_visitors_are_sent_to_log_in_and_get_never_exports(client, make_user):
    make_user("ada")
    response = client.post("/settings/export")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/settings/export").status_code == 405


def test_an_unverified_person_cannot_export(client, login, make_user):
    login(make_user("newbie", verified=False))
    response = client.post("/settings/export")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_settings_page_offers_the_export(client, login, make_user):
    login(make_user("ada"))
    page = client.get("/settings").get_data(as_text=True)
    assert "Export your data" in page
    assert 'action="/settings/export"' in page and ">Export my data</button>" in page


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_the_export_needs_the_forms_csrf_token(client, login, make_user):
    login(make_user("ada"))
    response = client.post("/settings/export")
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)


@rate_limited
def test_exports_past_the_limit_are_refused_with_a_clear_429(client, login, limited, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    login(ada)
    assert [client.post("/settings/export").status_code for _ in range(3)] == [200] * 3
    refused = client.post("/settings/export")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "You have exported your data as often as is allowed" in refused.get_data(as_text=True)
    login(bob)  # the limit is Ada's alone
    assert client.post("/settings/export").status_code == 200


def test_on_postgresql_the_export_reads_one_snapshot(app, network, backend, monkeypatch):
    levels = []
    write = export.write_export

    def watching(user, out):
        levels.append(db.session.connection().get_isolation_level())
        write(user, out)

    monkeypatch.setattr(export, "write_export", watching)
    export.export_archive(network[0]).close()
    assert levels == ["REPEATABLE READ" if backend == "postgresql" else "SERIALIZABLE"]
