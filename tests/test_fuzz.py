"""Malformed input on every route: no answer may be a server error.

The routes come from the app's URL map, and the names of the query arguments and form fields from what
the views read (recorded on a first, well-formed pass), so a new route or field is fuzzed without this
file changing. The routes act on a small world (a post, a comment, a conversation, a notification, a
meeting), made again whenever a route has deleted or blocked something in it, so that every route finds
what its path names.
"""

import io
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from socialapp.extensions import db
from socialapp.models import Comment, Meeting, Message, Notification, Post
from socialapp.services import chat, comments, meetings, posts
from socialapp.services.visibility import is_blocked_between
from tests.support.factories import make_user

# Each kind of malformed value, sent in every query argument and form field a route reads, all at once.
FIELD_VALUES = {
    "nul": ["a\x00b"],
    "one past integer": [str(2**31)],
    "negative": ["-1"],
    "long": ["x" * 6000],
    "unicode": ["Zoë ½ 12² ١٢٣ \u202e🙂 \ud7ff"],
    # A list: a dotted cursor (comments, search) for whatever reads one value; zero and past 64 bits too.
    "list": ["2147483648.2147483648", "0", "9" * 40],
    "time cursor": ["2024-01-01T00:00:00+05:00_2147483648"],  # a zone where times are naive, and a huge id
}
# And in the path: numbers for <int:...> (which only a route's own converter sees), text for the rest.
PATH_VALUES = [(str(2**31), "a\x00b"), ("0" + "9" * 40, "Zoë🙂" * 600)]
ARG_RE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class World:
    """Ids of what the routes act on (ids, not rows: a route may delete the row)."""

    viewer_id: int
    partner_id: int
    partner_name: str
    post_id: int
    comment_id: int
    message_id: int
    notification_id: int
    room_id: str
    meeting_id: int

    def intact(self):
        get = db.session.get
        db.session.expire_all()
        rows = ((Post, self.post_id), (Comment, self.comment_id), (Meeting, self.meeting_id))
        return (
            all(get(model, row_id) is not None for model, row_id in rows)
            and get(Notification, self.notification_id) is not None
            and not get(Message, self.message_id).is_deleted
            and not is_blocked_between(self.viewer_id, self.partner_id)
        )


def make_world(viewer, n):
    partner = make_user(f"fuzz{n}")
    post = posts.create_post(viewer, f"Post {n} #fuzz")
    comment = comments.add_comment(viewer, post.id, "Mine")
    comments.add_comment(partner, post.id, "Theirs")  # a notification for the viewer
    chat.send_message(partner, viewer, "Hello")
    message = chat.send_message(viewer, partner, "Hi")
    notification_id = db.session.scalar(
        select(func.max(Notification.id)).where(Notification.recipient_id == viewer.id, Notification.kind == "comment")
    )
    meeting = meetings.create_meeting(viewer.id, "Chat")
    ids = (partner.id, partner.username, post.id, comment.id, message.id, notification_id, meeting.room_id)
    return World(viewer.id, *ids, meeting.id)


def well_formed(name, converter, world):
    """A value for a path argument that finds the world's thing; unknown names get a plausible one."""
    known = {
        "username": world.partner_name,
        "post_id": world.post_id,
        "comment_id": world.comment_id,
        "message_id": world.message_id,
        "notification_id": world.notification_id,
        "key": f"comment-post-{world.post_id}",
        "room_id": world.room_id,
        "owner_id": world.viewer_id,
        "tag": "fuzz",
        "filename": "css/app.css",
    }
    return str(known.get(name, world.post_id if converter == "int" else "fuzz"))


def build_path(rule, world, bad=None):
    """The rule's path with well-formed values, or with `bad` (int value, text value) in every argument."""

    def value(match):
        converter, name = match.groups()
        if bad is None:
            return quote(well_formed(name, converter, world), safe="/")
        return quote(bad[0] if converter == "int" else bad[1], safe="")

    return ARG_RE.sub(value, rule.rule)


def recording_dict():
    """A MultiDict class that notes every name a view asks it for."""

    class Recording(ImmutableMultiDict):
        names = set()

        def __contains__(self, key):
            self.names.add(key)
            return super().__contains__(key)

        def __getitem__(self, key):
            self.names.add(key)
            return super().__getitem__(key)

        def get(self, key, default=None, type=None):
            self.names.add(key)
            return super().get(key, default, type)

        def getlist(self, key, type=None):
            self.names.add(key)
            return super().getlist(key, type)

    return Recording


class Fuzzer:
    """Sends the requests, and keeps every one that got a server error."""

    def __init__(self, app, client, viewer, login):
        self.client, self.viewer, self.login = client, viewer, login
        self.anonymous = app.test_client()
        self.recording = recording_dict()
        app.request_class = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": self.recording})
        self.worlds, self.current, self.wrote = 0, None, False
        self.failures = []
        login(viewer)

    def world(self):
        """The world for the next route: the last one, unless a write since deleted or blocked something."""
        if self.current is None or self.wrote:
            self.login(self.viewer)  # again: the write may have been a log out
            if self.current is None or not self.current.intact():
                self.worlds += 1
                self.current = make_world(self.viewer, self.worlds)
            self.wrote = False
        return self.current

    @staticmethod
    def token(client, page):
        return TOKEN_RE.search(client.get(page).get_data(as_text=True)).group(1)

    def send(self, client, method, path, token, kind="well-formed", fields=(), files=(), htmx=False):
        pairs = [(name, value) for name, values in fields for value in values]
        data = MultiDict()
        if method != "GET":
            data = MultiDict([*pairs, ("csrf_token", token)])
            for name in files:
                data.add(name, (io.BytesIO(b"\x00\xff not a picture"), "x.png"))
        headers = {"HX-Request": "true"} if htmx else {}
        self.wrote = self.wrote or method != "GET"
        what = f"{method} {path[:80]!r} {kind}{' (htmx)' if htmx else ''}"
        try:
            response = client.open(path, method=method, query_string=urlencode(pairs), data=data, headers=headers)
        except Exception as error:  # under TESTING an exception reaches the test: it would have been a 500
            self.failures.append(f"{what}: {error!r}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        return response

    def discover(self, endpoints):
        """A well-formed request per route and method, as a member and as a visitor: the names each route
        reads, and which routes a visitor may use."""
        read, public = {}, []
        member_token, visitor_token = self.token(self.client, "/settings"), self.token(self.anonymous, "/login")
        for rule, method in endpoints:
            path = build_path(rule, self.world())
            self.recording.names.clear()
            self.send(self.client, method, path, member_token)
            response = self.send(self.anonymous, method, path, visitor_token)
            read[rule.rule, method] = sorted(self.recording.names - {"csrf_token"})
            if response is not None and "/login" not in response.headers.get("Location", ""):
                public.append((rule, method))
        return read, public

    def fuzz(self, endpoints, read, client, token):
        """Every kind of malformed value in every name the route reads, then in every part of its path."""
        for rule, method in endpoints:
            world = self.world()
            path, names = build_path(rule, world), read[rule.rule, method]
            for n, (kind, values) in enumerate(FIELD_VALUES.items() if names else ()):
                self.send(client, method, path, token, kind, [(name, values) for name in names], htmx=n % 2 == 0)
            if method != "GET":
                self.send(client, method, path, token, "files for every field", files=names)
            for n, bad in enumerate(PATH_VALUES if "<" in rule.rule else ()):
                self.send(client, method, build_path(rule, world, bad), token, "in the path", htmx=n % 2 == 1)


def routes(app):
    """Every route and method of the app, but the WebSocket (it speaks no HTTP after the handshake)."""
    found = []
    for rule in app.url_map.iter_rules():
        if getattr(rule, "websocket", False):
            continue
        found += [(rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_no_malformed_input_gives_a_server_error(app, client, login):
    fuzzer = Fuzzer(app, client, make_user("fuzzer"), login)
    endpoints = routes(app)
    assert len(endpoints) > 50  # the URL map was read
    read, public = fuzzer.discover(endpoints)
    names = {name for found in read.values() for name in found}
    assert {"body", "parent_id", "cursor", "before", "after", "q", "title", "first_name", "login"} <= names
    assert len(public) > 5
    fuzzer.fuzz(endpoints, read, client, fuzzer.token(client, "/settings"))
    fuzzer.fuzz(public, read, fuzzer.anonymous, fuzzer.token(fuzzer.anonymous, "/login"))
    assert not fuzzer.failures, "\n".join(fuzzer.failures)


def test_nul_anywhere_in_a_request_is_refused_with_a_clear_400(client, login, make_user):
    login(make_user("ada"))
    for response in (
        client.get("/u/a%00b"),
        client.get("/people/search", query_string={"q": "a\x00b"}),
        client.post("/posts", data={"body": "hello\x00"}),
        client.post("/posts", data={"bo\x00dy": "hello"}),
    ):
        assert response.status_code == 400
        assert "NUL character" in response.get_data(as_text=True)


def test_an_id_no_row_can_have_is_not_found_on_every_route(client, login, make_user):
    login(make_user("ada"))
    for path in ("/p/2147483648", "/p/0", "/comments/99999999999999999999", "/media/2147483648/k/small.jpg"):
        assert client.get(path).status_code == 404, path
    assert client.get("/notifications/open/mention-2147483648").status_code == 404
    assert client.get("/p/2147483647").status_code == 404  # the largest id is still an id


def test_numbers_in_queries_and_forms_beyond_any_id_are_ignored(client, login, make_user):
    ada = make_user("ada")
    post = posts.create_post(ada, "Hello")
    login(ada)
    assert client.get("/notifications?before=2147483648").status_code == 200
    assert client.get(f"/p/{post.id}?after=2147483648.2147483648").status_code == 200
    assert client.get("/feed?cursor=2024-01-01T00:00:00_2147483648", headers={"HX-Request": "true"}).status_code == 200
    response = client.post(f"/p/{post.id}/comments", data={"body": "Top level", "parent_id": str(2**31)})
    assert response.status_code == 302
    assert comments.threads_page(ada, post)[0][0].comment.body == "Top level"
