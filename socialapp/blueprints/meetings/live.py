"""The meeting's messages over the page's socket: join, relay WebRTC signals between two tabs in the
same room, camera and microphone state, heartbeat, leave. Every message to another tab goes through
the broker (`send_to_socket`), so the tabs of one meeting may sit on different workers or hosts.

In SFU mode (services/janus.py) media goes through Janus instead of tab to tab: a join also opens the
meeting's Janus room to the tab and hands it its credentials, each heartbeat renews its Janus token, and
a leave closes the room to it (and the last leave destroys the room). Everything else is the same.

Messages from pages carry "type"; messages to pages carry "type" first, and never "content" or
"payload" (htmx would swap those as HTML).
"""

import logging

from flask import current_app

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.meetings import Meeting
from socialapp.realtime import Live
from socialapp.realtime.signals import send_to_socket, user_of
from socialapp.services import janus, meetings, turn
from socialapp.services.errors import ServiceError
from socialapp.services.meetings import MeetingFull

live = Live("meetings")
log = logging.getLogger(__name__)
IN_A_BLOCK = "You cannot join this meeting now: someone in it is in a block with you."


def _peer(participant, user):
    # "order" is the join order: of two tabs, the later one calls the earlier, even when they joined at
    # the same moment and each was told of the other (see js/meeting.js).
    return {
        "socket": participant.socket_id,
        "order": participant.id,
        "user_id": user.id,
        "name": user.full_name or user.username,
        "camera": participant.camera_on,
        "mic": participant.mic_on,
        "screen": participant.screen_on,
    }


def _tell_others(meeting_id, socket_id, message):
    for participant, _ in meetings.active_participants(meeting_id, user_of(socket_id)):
        if participant.socket_id != socket_id:
            send_to_socket(participant.socket_id, message)


def _tell_left(gone):
    for participant in gone:
        _release(participant)  # first, so that when the others hear of it, Janus has closed the room to it
        _tell_others(participant.meeting_id, participant.socket_id, _left(participant))


def _release(participant):
    """Close the meeting's Janus room to a tab that left; a failure leaves the room to Janus's own
    clean-up (its token expires within JANUS_TOKEN_TTL), it never stops the leave."""
    config = current_app.config
    if not janus.enabled(config):
        return
    meeting_id = participant.meeting_id
    last = db.session.get(Meeting, meeting_id).participant_count == 0
    try:
        janus.release(config, meeting_id, participant.id, last)
        db.session.expire_all()
        if last and db.session.get(Meeting, meeting_id).participant_count:
            # Someone joined while the room was being destroyed: make it again, with everyone's tokens.
            present = [p.id for p, _ in meetings.active_participants(meeting_id)]
            janus.admit(config, meeting_id, present, config["MEETING_SFU_MAX"])
    except ServiceError as error:
        log.warning("janus: could not release participant %s: %s", participant.id, error)


def sweep(meeting_id):
    """Take out the tabs whose heartbeat stopped, and tell the others to drop their tiles."""
    _tell_left(meetings.sweep_stale(meeting_id))


def _left(participant):
    return {"type": "meeting.peer-left", "socket": participant.socket_id}


@live.handler("meeting.join")
def on_join(user_id, socket_id, data):
    meeting = meetings.find_meeting(str(data.get("room", "")), user_id)
    if meeting is None:
        send_to_socket(socket_id, {"type": "meeting.error", "message": "No meeting has that ID."})
        return
    sweep(meeting.id)
    config = current_app.config
    sfu = janus.enabled(config)
    if sfu and meetings.in_block_with_someone_present(meeting.id, user_id):
        send_to_socket(socket_id, {"type": "meeting.error", "message": IN_A_BLOCK})
        return
    try:
        participant = meetings.join(
            meeting.id,
            user_id,
            socket_id,
            janus.max_participants(config),
            camera=data.get("camera", True),
            mic=data.get("mic", True),
        )
    except MeetingFull as full:
        send_to_socket(socket_id, {"type": "meeting.full", "message": full.message})
        return
    if sfu and not _admit_to_janus(config, participant):
        return
    everyone = meetings.active_participants(meeting.id, user_id)  # no one in a block with the newcomer
    me = next(_peer(p, u) for p, u in everyone if p.socket_id == socket_id)
    # Those already in hear first; the newcomer then calls each of them.
    for other, _ in everyone:
        if other.socket_id != socket_id:
            send_to_socket(other.socket_id, {"type": "meeting.peer-joined", "peer": me})
    peers = [_peer(p, u) for p, u in everyone if p.socket_id != socket_id]
    # Fresh TURN credentials with each (re)join: a page open longer than TURN_TTL gets new ones here.
    ice_servers = turn.ice_servers(current_app.config, user_id)
    joined = {"type": "meeting.joined", "socket": socket_id, "self": me, "peers": peers, "ice_servers": ice_servers}
    if sfu:
        # Each tab publishes to the room as the feed numbered by its participant id (its "order").
        joined["sfu"] = janus.join_details(config, meeting.id, participant.id)
    send_to_socket(socket_id, joined)


def _admit_to_janus(config, participant):
    """Open the meeting's Janus room to a tab that has just taken its place; if Janus does not answer,
    give the place back and say so."""
    try:
        janus.admit(config, participant.meeting_id, [participant.id], config["MEETING_SFU_MAX"])
        return True
    except ServiceError as error:
        log.warning("janus: could not admit participant %s: %s", participant.id, error)
        meetings.leave(participant.socket_id)
        send_to_socket(participant.socket_id, {"type": "meeting.error", "message": error.message})
        return False


@live.handler("meeting.signal")
def on_signal(user_id, socket_id, data):
    """An offer, answer or ICE candidate for one other tab of the same meeting, passed on untouched."""
    target = str(data.get("to", ""))
    if not meetings.may_signal(socket_id, target):
        return
    message = {"type": "meeting.signal", "from": socket_id}
    for key in ("description", "candidate"):
        if isinstance(data.get(key), dict):
            message[key] = data[key]
    send_to_socket(target, message)


@live.handler("meeting.media")
def on_media(user_id, socket_id, data):
    participant = meetings.set_media(socket_id, data.get("camera"), data.get("mic"), data.get("screen"))
    if participant is None:
        return
    user = db.session.get(User, user_id)
    _tell_others(
        participant.meeting_id,
        socket_id,
        {"type": "meeting.peer-media", "peer": _peer(participant, user)},
    )


@live.handler("meeting.heartbeat")
def on_heartbeat(user_id, socket_id, data):
    meetings.heartbeat(socket_id)
    config = current_app.config
    if janus.enabled(config) and meetings.participant_for(socket_id) is not None:
        # A tab still in the meeting keeps a Janus token that expires JANUS_TOKEN_TTL seconds from now.
        send_to_socket(socket_id, {"type": "meeting.sfu-token", "token": janus.browser_token(config)})


@live.handler("meeting.leave")
@live.on_close
def on_leave(user_id, socket_id, data=None):
    participant = meetings.leave(socket_id)
    if participant is not None:
        _tell_left([participant])
