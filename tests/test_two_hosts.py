"""Two app hosts behind one site: two separate gunicorn instances, each with a media folder of its own and on
its own port, sharing one PostgreSQL database, one Redis and one S3 bucket (the S3-compatible store is moto's
server mode from PyPI, a separate process spoken to over real HTTP: tests/support/s3_server.py). A picture
posted on one host is shown by the other, and a chat message sent through one reaches its reader, whose
page's socket is open on the other, live.

PostgreSQL only: hosts cannot share a SQLite file. With CI=true, missing PostgreSQL or Redis fails the test.
"""

import json
import re
import time
from types import SimpleNamespace

import pytest
import requests

from tests.conftest import _migrate, app_config, new_postgres_database
from tests.support.browser import session_cookie
from tests.support.gunicorn import Gunicorn, gunicorn_env
from tests.support.pictures import picture_bytes
from tests.support.s3_server import CREDENTIALS
from tests.support.services import CI, postgres_available, redis_available
from tests.support.sockets import PageSocket

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


class Host(Gunicorn):
    """One app host: its own media folder (nothing in it is seen by the other), control socket, outbox and log."""

    def __init__(self, name, env, folder):
        self.media = folder / f"{name}-media"
        own = {
            "CONTROL_SOCKET": str(folder / f"{name}.ctl"),
            "MEDIA_ROOT": str(self.media),
            "MAIL_OUTBOX": str(folder / f"{name}-outbox"),
        }
        super().__init__({**env, **own}, log=folder / f"{name}.log")


@pytest.fixture
def hosts(tmp_path, s3_bucket):
    """Hosts A and B, the app (for making people and reading the database), and the bucket's name."""
    missing = [name for name, ok in (("PostgreSQL", postgres_available()), ("Redis", redis_available())) if not ok]
    if missing:
        if CI:
            pytest.fail(f"{' and '.join(missing)} required when CI=true")
        pytest.skip(f"{' and '.join(missing)} not running here")
    from socialapp import create_app
    from socialapp.extensions import db

    with new_postgres_database("socialapp_hosts") as url:
        _migrate(url)
        # One site on two hosts: one database, one Redis prefix (gunicorn_env), one bucket, one secret.
        env = gunicorn_env(
            url,
            "one-secret-for-every-host",
            threads=20,
            **CREDENTIALS,
            MEDIA_STORAGE="s3",
            S3_BUCKET=s3_bucket["S3_BUCKET"],
            S3_ENDPOINT_URL=s3_bucket["S3_ENDPOINT_URL"],
            S3_REGION=s3_bucket["S3_REGION"],
        )
        pair = [Host("a", env, tmp_path), Host("b", env, tmp_path)]
        app = create_app(app_config(url, tmp_path, SECRET_KEY=env["SECRET_KEY"], **s3_bucket))
        try:
            for host in pair:
                host.start()
            for host in pair:
                host.wait_until_up()
            yield SimpleNamespace(a=pair[0], b=pair[1], app=app, bucket=s3_bucket["S3_BUCKET"])
        finally:
            for host in pair:
                host.stop()
            with app.app_context():
                db.engine.dispose()


def person(app, username):
    from tests.support.factories import make_user

    with app.app_context():
        return make_user(username).id


def browser_on(host, app, user_id):
    """A requests session logged in as `user_id`, on `host`, holding the CSRF token its pages carry."""
    session = requests.Session()
    session.headers["Cookie"] = session_cookie(app, user_id)
    page = session.get(f"{host.url}/", timeout=10)
    assert page.status_code == 200
    session.headers["X-CSRFToken"] = CSRF_RE.search(page.text).group(1)
    session.headers["Cookie"] = f"session={page.cookies.get('session') or session.headers['Cookie'][8:]}"
    return session


def test_a_picture_posted_on_one_host_is_shown_by_the_other(hosts, s3_server):
    from socialapp.extensions import db
    from socialapp.models import Post, PostImage

    ada = person(hosts.app, "ada")
    on_a = browser_on(hosts.a, hosts.app, ada)
    posted = on_a.post(
        f"{hosts.a.url}/posts",
        data={"body": "Posted on host A"},
        files={"images": ("field.png", picture_bytes(size=(900, 600)), "image/png")},
        allow_redirects=False,
        timeout=30,
    )
    assert posted.status_code in (200, 302, 303), posted.text[:500]
    with hosts.app.app_context():
        post_id, key, width = db.session.execute(
            db.select(Post.id, PostImage.key, PostImage.width).join(PostImage, PostImage.post_id == Post.id)
        ).one()

    on_b = browser_on(hosts.b, hosts.app, ada)
    page = on_b.get(f"{hosts.b.url}/p/{post_id}", timeout=10)
    assert page.status_code == 200 and "Posted on host A" in page.text
    address = re.search(rf'href="(/media/{ada}/{re.escape(key)}/w{width}\.\w+)"', page.text).group(1)
    from_b = on_b.get(f"{hosts.b.url}{address}", timeout=10)
    from_a = on_a.get(f"{hosts.a.url}{address}", timeout=10)
    assert from_b.status_code == 200 and from_a.status_code == 200
    stored_key = f"u/{ada}/img/{address.rsplit('/', 2)[1]}-{address.rsplit('/', 1)[1]}"
    assert from_b.content == from_a.content == s3_server.read(hosts.bucket, stored_key)
    # Neither host kept a file of its own: both read the bucket.
    assert not any(path.is_file() for host in (hosts.a, hosts.b) for path in host.media.rglob("*"))


def test_a_chat_message_sent_through_one_host_reaches_a_socket_on_the_other_live(hosts):
    ada, bob = person(hosts.app, "ada"), person(hosts.app, "bob")
    socket = PageSocket(hosts.a, session_cookie(hosts.app, ada))  # Ada's page is open on host A
    try:
        assert json.loads(socket.receive()) == {"ready": True}
        on_b = browser_on(hosts.b, hosts.app, bob)  # Bob writes through host B
        sent = on_b.post(
            f"{hosts.b.url}/chat/ada/messages",
            data={"body": "Hello from host B"},
            headers={"HX-Request": "true"},
            timeout=10,
        )
        assert sent.status_code == 200
        started = time.monotonic()
        socket.receive_until(lambda message: "Hello from host B" in message, what="Bob's message on Ada's socket")
        assert time.monotonic() - started < 5
    finally:
        socket.close()
