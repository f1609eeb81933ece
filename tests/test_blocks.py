"""A block hides two people from each other everywhere, and answers as if the other did not exist.

Bob is the viewer. Ada is in a block with him (she blocks him, or he blocks her), Gone deleted their
account, and Cyd is someone Bob may see. Each left the same traces before: a post mentioning Bob, a
comment and a like on Hal's post, a follow, a chat message, a room of their own that Bob was in, a tab
in Hal's meeting. For every area, what Bob gets about Ada must be exactly what he gets about Gone; and
it must differ from what he gets about Cyd, which shows that each check can tell.
"""

import io
import json
from dataclasses import dataclass

import pytest
from werkzeug.datastructures import FileStorage

from socialapp.blueprints.meetings import live as meeting_live
from socialapp.extensions import db
from socialapp.models import Notification
from socialapp.services import accounts, chat, comments, meetings, posts, profiles, social
from tests.support.factories import PASSWORD
from tests.support.pictures import picture_bytes

HX = {"HX-Request": "true"}
OFFER = {"type": "offer", "sdp": "v=0\r\n"}
# Names found in no template, so a page shows one's full name ("Adalovelace Tester") only when it shows them.
ADA, GONE, CYD = "adalovelace", "gonegirl", "cydcharisse"


@dataclass
class Traces:
    """What one person left that Bob could come across, as plain values (Gone's rows are deleted)."""

    user_id: int
    username: str
    full_name: str
    post_id: int
    comment_id: int
    message_id: int
    notification_key: str
    room_id: str
    socket: str
    picture: str


@dataclass
class World:
    app: object
    bob: object
    hal_post_id: int
    hal_room_id: str
    traces: dict


def leave_traces(person, bob, hal, hal_post, hal_room):
    social.follow(bob, person)
    social.follow(person, hal)
    profiles.set_picture(person, FileStorage(io.BytesIO(picture_bytes()), "me.png"))
    post = posts.create_post(person, f"Spring walk by {person.username} #outdoors with @{bob.username}")
    comment = comments.add_comment(person, hal_post.id, f"Lovely, says {person.username}")
    posts.like(person, hal_post.id)
    message = chat.send_message(person, bob, f"Hello from {person.username}")
    mention = db.session.scalar(
        db.select(Notification).filter_by(recipient_id=bob.id, actor_id=person.id, kind="mention")
    )
    room = meetings.create_meeting(person.id, f"Room of {person.username}")
    meetings.join(room.id, bob.id, f"{bob.id}.visit", max_participants=6)
    meetings.leave(f"{bob.id}.visit")  # Bob was there: it is in his recent meetings
    socket = f"{person.id}.tab"
    meetings.join(hal_room.id, person.id, socket, max_participants=6)
    return Traces(
        person.id,
        person.username,
        person.full_name,
        post.id,
        comment.id,
        message.id,
        f"mention-{mention.id}",
        room.room_id,
        socket,
        f"/media/{person.id}/{person.avatar_key}/avatar.jpg",
    )


@pytest.fixture(params=["Ada blocks Bob", "Bob blocks Ada"])
def world(request, app, make_user):
    bob, hal = make_user("bob"), make_user("hal")
    hal_post = posts.create_post(hal, "Hal's garden")
    hal_room = meetings.create_meeting(hal.id, "Hal's meeting")
    people = {name: make_user(name) for name in (ADA, GONE, CYD)}
    traces = {name: leave_traces(person, bob, hal, hal_post, hal_room) for name, person in people.items()}
    ada = people[ADA]
    social.block(*((ada, bob) if request.param == "Ada blocks Bob" else (bob, ada)))
    accounts.delete_account(people[GONE], PASSWORD)
    return World(app, bob, hal_post.id, hal_room.room_id, traces)


def shows(client, url, them, headers=None):
    """Whether the page at `url` shows that person anywhere (by their name: the search box may echo a
    username that was typed)."""
    return them.full_name in client.get(url, headers=headers).get_data(as_text=True)


def status(response):
    return response.status_code


AREAS = {}


def area(fn):
    AREAS[fn.__name__] = fn
    return fn


@area
def profile(client, world, them):
    name = them.username
    return {
        "profile": status(client.get(f"/u/{name}")),
        "their posts": status(client.get(f"/u/{name}/posts")),
        "their followers": status(client.get(f"/u/{name}/followers")),
        "whom they follow": status(client.get(f"/u/{name}/following")),
        "their picture": status(client.get(them.picture)),
    }


@area
def post_pages(client, world, them):
    post = f"/p/{them.post_id}"
    return {
        "post page": status(client.get(post)),
        "post fragment": status(client.get(post, headers=HX)),
        "edit": status(client.get(f"{post}/edit")),
        "delete": status(client.post(f"{post}/delete")),
        "in the home feed": shows(client, "/", them),
        "on the hashtag page": shows(client, "/tags/outdoors", them),
    }


@area
def comment_actions(client, world, them):
    comment, hal_post = f"/comments/{them.comment_id}", f"/p/{world.hal_post_id}"
    reply = {"body": "A reply", "parent_id": them.comment_id}
    return {
        "comment link": status(client.get(comment)),
        "in the post's comments": shows(client, hal_post, them),
        "edit": status(client.get(f"{comment}/edit")),
        "delete": status(client.post(f"{comment}/delete")),
        "reply": status(client.post(f"{hal_post}/comments", data=reply)),
        "comment on their post": status(client.post(f"/p/{them.post_id}/comments", data={"body": "Nice"})),
    }


@area
def likes(client, world, them):
    post = f"/p/{them.post_id}"
    return {
        "like": status(client.post(f"{post}/like")),
        "unlike": status(client.post(f"{post}/unlike")),
        "who liked their post": status(client.get(f"{post}/likes")),
        "among who liked Hal's post": shows(client, f"/p/{world.hal_post_id}/likes", them),
    }


@area
def follows(client, world, them):
    name = them.username
    return {
        "among Hal's followers": shows(client, "/u/hal/followers", them),
        "among whom Bob follows": shows(client, "/u/bob/following", them),
        "follow": status(client.post(f"/u/{name}/follow")),
        "unfollow": status(client.post(f"/u/{name}/unfollow")),
    }


@area
def chat_with(client, world, them):
    name = them.username
    return {
        "conversation": status(client.get(f"/chat/{name}")),
        "catch up": status(client.get(f"/chat/{name}/messages?after=0", headers=HX)),
        "send": status(client.post(f"/chat/{name}/messages", data={"body": "Hi"})),
        "typing": status(client.post(f"/chat/{name}/typing")),
        "read": status(client.post(f"/chat/{name}/read")),
        "delete their message": status(client.post(f"/chat/messages/{them.message_id}/delete")),
        "in the chat list": shows(client, "/chat/", them),
    }


def sent_to_sockets(app):
    """(socket id, message) for each message sent to one tab since the last call: the meeting handlers
    publish them through the in-process broker, whose queue no socket reads in these tests."""
    queue = app.extensions["realtime"].broker.queue
    sent = []
    while not queue.empty():
        _, data = queue.get_nowait()
        event = json.loads(data)
        if event["kind"] == "to_socket":
            sent.append((event["socket"], event["message"]))
    return sent


@area
def meeting_rooms(client, world, them):
    app, bob_id = world.app, world.bob.id
    here, visit = f"{bob_id}.here", f"{bob_id}.visit"
    answers = {
        "their room": status(client.get(f"/meetings/{them.room_id}")),
        "join by pasting its id": status(client.get("/meetings/join", query_string={"room": them.room_id})),
        "in Bob's recent meetings": them.room_id in client.get("/meetings/").get_data(as_text=True),
    }
    sent_to_sockets(app)
    meeting_live.on_join(bob_id, visit, {"room": them.room_id})
    meeting_live.on_leave(bob_id, visit)
    answers["joining their room"] = [message["type"] for socket, message in sent_to_sockets(app) if socket == visit]
    meeting_live.on_join(bob_id, here, {"room": world.hal_room_id})
    (joined,) = [message for socket, message in sent_to_sockets(app) if socket == here]
    answers["among the peers in Hal's room"] = them.socket in [peer["socket"] for peer in joined["peers"]]
    meeting_live.on_signal(them.user_id, them.socket, {"to": here, "description": OFFER})
    meeting_live.on_signal(bob_id, here, {"to": them.socket, "description": OFFER})
    meeting_live.on_media(bob_id, here, {"camera": False, "mic": True, "screen": False})
    meeting_live.on_leave(bob_id, here)
    sent = sent_to_sockets(app)
    answers["signals Bob's tab gets from them"] = [m["type"] for socket, m in sent if socket == here]
    answers["what their tab hears of Bob"] = [m["type"] for socket, m in sent if socket == them.socket]
    return answers


@area
def notification_list(client, world, them):
    opened = f"/notifications/open/{them.notification_key}"
    return {
        "in the notifications": shows(client, "/notifications", them),
        "in the bell's menu": shows(client, "/notifications/menu", them, HX),
        "open (htmx)": status(client.get(opened, headers=HX)),
        "open": status(client.get(opened)),
    }


@area
def search(client, world, them):
    name = them.username
    return {
        "people tab": shows(client, f"/search?q={name}&tab=people", them),
        "posts tab": shows(client, "/search?q=spring+walk&tab=posts", them),
        "@name goes to the profile": status(client.get(f"/search?q=@{name}")),
        "suggestions while typing": shows(client, f"/search/suggestions?q={name}", them, HX),
        "people search": shows(client, f"/people/search?q={name}", them),
    }


@area
def mentions(client, world, them):
    def mentions_of_them():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(Notification)
            .filter_by(recipient_id=them.user_id, actor_id=world.bob.id, kind="mention")
        )

    client.post("/posts", data={"body": f"Thinking of @{them.username}"})
    in_a_post = mentions_of_them()
    client.post(f"/p/{world.hal_post_id}/comments", data={"body": f"cc @{them.username}"})
    return {"in a post": in_a_post, "in a comment": mentions_of_them() - in_a_post}


@area
def presence(client, world, them):
    world.app.extensions["realtime"].presence.mark(them.user_id, 1)  # a socket of theirs is open
    return {
        "among the people online": shows(client, "/chat/?list=people&presence=online", them, HX),
        "among everyone in chat": shows(client, "/chat/?list=people", them, HX),
    }


@pytest.mark.parametrize("area_name", AREAS)
def test_a_block_answers_exactly_as_a_deleted_account(client, login, world, area_name):
    login(world.bob)
    blocked, deleted, visible = (AREAS[area_name](client, world, world.traces[name]) for name in (ADA, GONE, CYD))
    assert blocked == deleted
    assert {key: value for key, value in visible.items() if deleted[key] == value} == {}
