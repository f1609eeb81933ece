"""Video calls from a conversation: a meeting made for two, and a live invitation the other person can
join or decline, as Slack and Zulip ring people."""

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.meetings import Meeting
from socialapp.realtime import publish, publish_on_commit
from socialapp.services import chat, meetings
from socialapp.services.errors import NotFound
from socialapp.services.visibility import may_interact

TITLE = "Call: {caller} and {other}"


def start_call(caller, other):
    """Make a meeting for `caller` and `other` (someone `caller` may chat with) and ring `other`'s open
    pages. Returns the meeting; the caller goes straight into it."""
    chat.chat_partner(caller.id, other)
    names = {"caller": caller.first_name or caller.username, "other": other.first_name or other.username}
    meeting = meetings.create_meeting(caller.id, TITLE.format(**names)[: meetings.TITLE_MAX])
    publish_on_commit(other.id, "call_invite", meeting_id=meeting.id, caller_id=caller.id)
    return meeting


def decline_call(user, room_id):
    """`user` turns down the call in room `room_id`: the caller (its host) is told, and returned."""
    meeting = meetings.visible_meeting(user.id, room_id)
    if meeting.host_id == user.id:
        raise NotFound("There is no such call.")
    publish(meeting.host_id, "call_declined", meeting_id=meeting.id, user_id=user.id)
    return db.session.get(User, meeting.host_id)


def invitation(viewer_id, meeting_id, caller_id):
    """(meeting, caller) of a call ringing `viewer_id`, or None when the meeting is gone or a block now
    stands between them."""
    meeting, caller = db.session.get(Meeting, meeting_id), db.session.get(User, caller_id)
    if meeting is None or caller is None or not may_interact(viewer_id, caller):
        return None
    return meeting, caller
