"""What a viewer's sockets receive for each chat event: out-of-band fragments built from the database.

Events carry ids, except a new message's, which carries what its fragment shows (`chat.message_event`), so
that its push costs the recipient one query and the sender's other tabs none. Each fragment targets elements
by id, so it changes a page only where that page shows the thing: a conversation that is not open ignores
the message, the badge is everywhere.
"""

import time
from types import SimpleNamespace

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.chat import ConversationMember, Message
from socialapp.realtime import Live, render_fragment
from socialapp.realtime.ready import shown_count
from socialapp.services import calls, chat
from socialapp.services.visibility import hidden_user_ids, is_blocked_between, visible_to

live = Live("chat")


def _render(template, **context):
    return render_fragment(template, push=True, **context)


def _viewer(viewer):
    return viewer if isinstance(viewer, User) else db.session.get(User, int(viewer))


def _message_with_sides(viewer_id, message_id):
    """(message, viewer's member row, other user, other's read position) in one query, or None when the
    viewer is not in the conversation or is in a block with the other."""
    theirs = aliased(ConversationMember)
    mine = ConversationMember
    stmt = (
        select(Message, mine, User, theirs.last_read_message_id)
        .join(mine, and_(mine.conversation_id == Message.conversation_id, mine.user_id == viewer_id))
        .join(User, User.id == mine.other_user_id)
        .join(theirs, and_(theirs.conversation_id == Message.conversation_id, theirs.user_id == mine.other_user_id))
        .where(Message.id == message_id, visible_to(viewer_id, mine.other_user_id))
    )
    return db.session.execute(stmt).first()


@live.renderer("chat_message")
def message_fragment(viewer, event):
    """A new or deleted message: the message, its conversation row, the badge, "Seen", and for the
    recipient the end of the typing notice and a marker that reports it read if it is on screen."""
    viewer_id = int(getattr(viewer, "id", viewer))
    if "sent" in event:
        return _sent_fragment(viewer_id, event["sent"])
    found = _message_with_sides(viewer_id, int(event["message_id"]))
    if found is None:
        return ""
    message, member, other, other_read = found
    incoming = message.sender_id != viewer_id
    last = message if member.last_message_id == message.id else db.session.get(Message, member.last_message_id)
    return _arrived(
        viewer_id,
        other,
        message,
        member,
        # Sending reads the conversation, so the sender's counts are unchanged: no badge, nothing unread.
        row=(member, other, last, chat.unread_in(member) if incoming else 0) if last else None,
        count=chat.unread_total(viewer_id) if incoming else None,
        seen=not incoming and last is message and other_read >= message.id,
    )


def _sent_fragment(viewer_id, sent):
    """A new message from what its event carries: the sender's other tabs need no query; the recipient's
    counts (and whether a block made since the send now hides the sender) are one."""
    message, sender, recipient = chat.from_message_event(sent)
    if viewer_id == sender.id:
        other, count, unread = recipient, None, 0
    elif viewer_id == recipient.id:
        counts = chat.arrival_counts(viewer_id, sender.id, message.conversation_id)
        if counts is None:
            return ""
        other, (unread, count) = sender, counts
    else:
        return ""
    # The conversation's newest message is this one (a later one is pushed after it, in order).
    member = SimpleNamespace(conversation_id=message.conversation_id, last_message_id=message.id)
    return _arrived(viewer_id, other, message, member, row=(member, other, message, unread), count=count, seen=False)


def _arrived(viewer_id, other, message, member, row, count, seen):
    incoming = message.sender_id != viewer_id
    return _render(
        "chat/_message_arrived.html",
        viewer=SimpleNamespace(id=viewer_id),
        other=other,
        member=member,
        message=message,
        row=row,
        count=count,
        seen=seen,
        incoming=incoming,
        upto=message.id if incoming and not message.is_deleted else None,
    )


@live.renderer("chat_seen")
def seen_fragment(viewer, event):
    """The other member read up to here: "Seen" appears under the viewer's last message."""
    viewer = _viewer(viewer)
    other = db.session.get(User, int(event["user_id"]))
    member = chat.membership(viewer.id, other.id) if viewer and other else None
    if member is None:
        return ""
    return _render("chat/_seen.html", other=other, seen=chat.seen_by_other(member), oob=True)


@live.renderer("chat_read")
def read_fragment(viewer, event):
    """The viewer read a conversation in one tab: the badge and the row drop the count in every tab."""
    viewer = _viewer(viewer)
    if viewer is None:
        return ""
    row = chat.conversation_row(viewer.id, int(event["user_id"]))
    return _render("chat/_conversation_read.html", viewer=viewer, row=row, count=chat.unread_total(viewer.id))


@live.on_ready
def badge_if_changed(viewer_id, marks):
    """For the "ready" frame: the Chat link's badge, when it no longer shows the unread total (`?badge=N`)."""
    shown = shown_count(marks, "badge")
    if shown is None:
        return ""
    count = chat.unread_total(viewer_id)
    return "" if count == shown else _render("chat/_badge.html", count=count, oob=True)


@live.renderer("chat_typing")
def typing_fragment(viewer, event):
    """The other person is typing in their conversation with the viewer."""
    viewer = _viewer(viewer)
    other = db.session.get(User, int(event["user_id"]))
    if viewer is None or other is None or is_blocked_between(viewer.id, other.id):
        return ""
    return _render("chat/_typing.html", other=other, typing=True, oob=True)


# A presence change goes to every connected user; the fragment is the same for all of them, so it is
# built once per change and process, with the few people who must not see it (blocks) looked up once.
_presence_cache = {}
PRESENCE_CACHE_SECONDS = 2.0


def _presence_html(user_id, online):
    key = (user_id, online)
    cached = _presence_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1], cached[2]
    user = db.session.get(User, user_id)
    if user is None:
        return "", set()
    html = _render("chat/_presence_changed.html", user=user, online={user.id} if online else set())
    hidden = set(db.session.scalars(hidden_user_ids(user_id))) | {user_id}
    if len(_presence_cache) > 10_000:
        _presence_cache.clear()
    _presence_cache[key] = (time.monotonic() + PRESENCE_CACHE_SECONDS, html, hidden)
    return html, hidden


@live.renderer("presence")
def presence_fragment(viewer, event):
    """Someone came or went: their row in the people list and the dot on an open conversation."""
    viewer_id = getattr(viewer, "id", viewer)
    html, hidden = _presence_html(int(event["user_id"]), bool(event.get("online")))
    return "" if int(viewer_id) in hidden else html


@live.renderer("call_invite")
def call_invite_fragment(viewer, event):
    """Someone rings: a toast with Join and Decline, on every page of the viewer's."""
    viewer_id = int(getattr(viewer, "id", viewer))
    found = calls.invitation(viewer_id, int(event["meeting_id"]), int(event["caller_id"]))
    if found is None:
        return ""
    meeting, caller = found
    return _render("chat/_call_invite.html", meeting=meeting, caller=caller)


@live.renderer("call_declined")
def call_declined_fragment(viewer, event):
    """The person called said no: the caller is told in a toast."""
    viewer_id = int(getattr(viewer, "id", viewer))
    found = calls.invitation(viewer_id, int(event["meeting_id"]), int(event["user_id"]))
    if found is None:
        return ""
    _, person = found
    return _render("chat/_call_declined.html", person=person)
