"""What a viewer's sockets receive for each chat event: out-of-band fragments built from the database.

Events carry ids only. Each fragment targets elements by id, so it changes a page only where that page
shows the thing: a conversation that is not open ignores the message, the badge is everywhere.
"""

from flask import current_app, has_request_context, render_template

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.chat import ConversationMember, Message
from socialapp.services import chat
from socialapp.services.visibility import is_blocked_between

RENDERERS = {}


def renderer(kind):
    def register(fn):
        RENDERERS[kind] = fn
        return fn

    return register


def _render(template, **context):
    # Pushes are rendered by the socket's thread, outside any HTTP request; url_for needs one.
    if has_request_context():
        return render_template(template, push=True, **context)
    with current_app.test_request_context("/"):
        return render_template(template, push=True, **context)


def _viewer(viewer):
    return viewer if isinstance(viewer, User) else db.session.get(User, int(viewer))


@renderer("chat_message")
def message_fragment(viewer, event):
    """A new or deleted message: the message, its conversation row, the badge, "Seen", and for the
    recipient the end of the typing notice and a marker that reports it read if it is on screen."""
    viewer = _viewer(viewer)
    message = db.session.get(Message, int(event["message_id"]))
    if viewer is None or message is None:
        return ""
    member = db.session.get(ConversationMember, (message.conversation_id, viewer.id))
    if member is None or is_blocked_between(viewer.id, member.other_user_id):
        return ""
    other = db.session.get(User, member.other_user_id)
    incoming = message.sender_id != viewer.id
    return _render(
        "chat/_push_message.html",
        viewer=viewer,
        other=other,
        member=member,
        message=message,
        row=chat.conversation_row(viewer.id, other.id),
        count=chat.unread_total(viewer.id),
        seen=chat.seen_by_other(member),
        incoming=incoming,
        upto=message.id if incoming and not message.is_deleted else None,
    )


@renderer("chat_seen")
def seen_fragment(viewer, event):
    """The other member read up to here: "Seen" appears under the viewer's last message."""
    viewer = _viewer(viewer)
    other = db.session.get(User, int(event["user_id"]))
    member = chat.membership(viewer.id, other.id) if viewer and other else None
    if member is None:
        return ""
    return _render("chat/_seen.html", other=other, seen=chat.seen_by_other(member), oob=True)


@renderer("chat_read")
def read_fragment(viewer, event):
    """The viewer read a conversation in one tab: the badge and the row drop the count in every tab."""
    viewer = _viewer(viewer)
    if viewer is None:
        return ""
    row = chat.conversation_row(viewer.id, int(event["user_id"]))
    return _render("chat/_push_read.html", viewer=viewer, row=row, count=chat.unread_total(viewer.id))


@renderer("chat_typing")
def typing_fragment(viewer, event):
    """The other person is typing in their conversation with the viewer."""
    viewer = _viewer(viewer)
    other = db.session.get(User, int(event["user_id"]))
    if viewer is None or other is None or is_blocked_between(viewer.id, other.id):
        return ""
    return _render("chat/_typing.html", other=other, typing=True, oob=True)


def presence_fragment(viewer, event):
    """Someone came or went: their row in the people list and the dot on an open conversation."""
    viewer = _viewer(viewer)
    user = db.session.get(User, int(event["user_id"]))
    if viewer is None or user is None or user.id == viewer.id or is_blocked_between(viewer.id, user.id):
        return ""
    online = {user.id} if event.get("online") else set()
    return _render("chat/_push_presence.html", viewer=viewer, user=user, online=online)


def register_renderers(register_renderer):
    """Hand every chat renderer to the real-time core."""
    for kind, fn in RENDERERS.items():
        register_renderer(kind, fn)
