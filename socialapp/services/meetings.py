"""Meetings: creating rooms, finding them by a pasted id or link, and who is in a room right now.

A participant is one tab: it joins over the page's socket, and leaves when it says so, when its
socket closes, or when its heartbeat stops (its worker died). The meeting's participant count only
moves together with participant rows, in one transaction, so the maximum holds under races.
"""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.base import utcnow
from socialapp.models.meetings import Meeting, MeetingMember, MeetingParticipant
from socialapp.services.errors import InvalidInput, NotFound, ServiceError
from socialapp.services.visibility import is_blocked_between, visible_to
from socialapp.signals import account_deleting

# 31 symbols without look-alikes (no 0/o, 1/l/i): 12 of them are over 59 random bits, read and typed
# in three groups of four. Guessing one room among a million takes ~10^12 tries on average.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TITLE_MAX = 100
RECENT_LIMIT = 20
HEARTBEAT_SECONDS = 20
# A tab unheard for this long is gone (its worker was killed before the socket could say so).
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)


NO_SUCH_MEETING = "No meeting has that ID. Check the link and try again."


class MeetingFull(ServiceError):
    status = 409

    def __init__(self):
        super().__init__("This meeting is full.")


def new_room_id():
    """A fresh room id like "k7qm-zp3x-a9fd"."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def parse_room_id(text):
    """The room id in what someone pasted: the id itself (any case, spaces, with or without dashes)
    or a whole meeting link. None when it cannot be one."""
    text = (text or "").strip()
    if "/" in text:
        text = urlsplit(text).path.rstrip("/").rsplit("/", 1)[-1]
    chars = re.sub(r"[\s-]", "", text.lower())
    if len(chars) != 12 or any(c not in ALPHABET for c in chars):
        return None
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def create_meeting(host_id, title):
    """Create a meeting hosted by `host_id`; it appears first in the host's recent meetings."""
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("Give the meeting a title.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"The title can be at most {TITLE_MAX} characters.")
    meeting = Meeting(room_id=new_room_id(), title=title, host_id=host_id, participant_count=0)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(MeetingMember(meeting_id=meeting.id, user_id=host_id, last_joined_at=meeting.created_at))
    db.session.commit()
    return meeting


def find_meeting(room_id, viewer_id=None):
    """The meeting with this room id, or None. For a `viewer_id`, a meeting whose host is in a block with
    them is None too: to them it does not exist, as if its host had deleted their account."""
    room_id = parse_room_id(room_id)
    if room_id is None:
        return None
    stmt = sa.select(Meeting).where(Meeting.room_id == room_id)
    if viewer_id is not None:
        stmt = stmt.where(visible_to(viewer_id, Meeting.host_id))
    return db.session.scalar(stmt)


def visible_meeting(viewer_id, room_id):
    """The meeting with this room id that the viewer may open (see `find_meeting`), else NotFound."""
    meeting = find_meeting(room_id, viewer_id)
    if meeting is None:
        raise NotFound(NO_SUCH_MEETING)
    return meeting


def recent_meetings(user_id, limit=RECENT_LIMIT):
    """Meetings the user created or joined, most recent first, but for those hosted by someone in a block
    with them."""
    return db.session.scalars(
        sa.select(Meeting)
        .join(MeetingMember, MeetingMember.meeting_id == Meeting.id)
        .where(MeetingMember.user_id == user_id, visible_to(user_id, Meeting.host_id))
        .order_by(MeetingMember.last_joined_at.desc(), Meeting.id.desc())
        .limit(limit)
    ).all()


def active_participants(meeting_id, viewer_id=None):
    """(participant, user) pairs of the tabs in the meeting now, in order of joining. For a `viewer_id`,
    only those the viewer may see: people in a block are neither shown nor connected to each other."""
    stmt = (
        sa.select(MeetingParticipant, User)
        .join(User, User.id == MeetingParticipant.user_id)
        .where(MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.left_at.is_(None))
        .order_by(MeetingParticipant.id)
    )
    if viewer_id is not None:
        stmt = stmt.where(visible_to(viewer_id, MeetingParticipant.user_id))
    return db.session.execute(stmt).all()


def in_block_with_someone_present(meeting_id, user_id):
    """Whether someone in the meeting now is in a block with this person. Through Janus every tab may
    receive every feed of the room, so such a person is refused there rather than hidden (the mesh hides
    people in a block from each other instead)."""
    hidden = sa.select(MeetingParticipant.id).where(
        MeetingParticipant.meeting_id == meeting_id,
        MeetingParticipant.left_at.is_(None),
        MeetingParticipant.user_id != user_id,
        sa.not_(visible_to(user_id, MeetingParticipant.user_id)),
    )
    return db.session.scalar(sa.select(hidden.exists()))


def is_full(meeting, max_participants):
    """Whether no one else can join now (after tabs that stopped answering are swept out)."""
    sweep_stale(meeting.id)
    return db.session.get(Meeting, meeting.id).participant_count >= max_participants


def join(meeting_id, user_id, socket_id, max_participants, camera=True, mic=True):
    """Put one tab in the meeting. Returns the new participant; raises MeetingFull when there is no room."""
    current = participant_for(socket_id)
    if current is not None and current.meeting_id == meeting_id:
        return current  # the page said "join" twice
    if current is not None:
        leave(socket_id)
    db.session.commit()  # a fresh transaction whose first statement, the conditional UPDATE, decides
    added = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.participant_count < max_participants)
        .values(participant_count=Meeting.participant_count + 1)
    ).rowcount
    if not added:
        db.session.rollback()
        raise MeetingFull()
    now = utcnow()
    participant = MeetingParticipant(
        meeting_id=meeting_id,
        user_id=user_id,
        socket_id=socket_id,
        joined_at=now,
        seen_at=now,
        camera_on=bool(camera),
        mic_on=bool(mic),
        screen_on=False,
    )
    db.session.add(participant)
    _remember(meeting_id, user_id, now)
    db.session.commit()
    return participant


def _remember(meeting_id, user_id, now):
    member = db.session.get(MeetingMember, (meeting_id, user_id))
    if member is None:
        db.session.add(MeetingMember(meeting_id=meeting_id, user_id=user_id, last_joined_at=now))
    else:
        member.last_joined_at = now


def participant_for(socket_id):
    """The active participant of this socket, or None."""
    return db.session.scalar(
        sa.select(MeetingParticipant).where(
            MeetingParticipant.socket_id == socket_id, MeetingParticipant.left_at.is_(None)
        )
    )


def leave(socket_id):
    """Take this socket's tab out of its meeting. Returns the participant that left, or None."""
    participant = participant_for(socket_id)
    if participant is None:
        return None
    left = _mark_left(MeetingParticipant.id == participant.id)
    db.session.commit()
    return participant if left else None


def sweep_stale(meeting_id):
    """Mark tabs whose heartbeat stopped as gone. Returns them, so the others can be told."""
    cutoff = utcnow() - STALE_AFTER
    stale = db.session.scalars(
        sa.select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.left_at.is_(None),
            MeetingParticipant.seen_at < cutoff,
        )
    ).all()
    gone = [p for p in stale if _mark_left(MeetingParticipant.id == p.id)]
    db.session.commit()
    return gone


def _mark_left(*conditions):
    """Set left_at on the matching active rows and take them off their meetings' counts, exactly once
    even when two workers sweep the same row: only the UPDATE that changes a row counts it."""
    rows = db.session.execute(
        sa.update(MeetingParticipant)
        .where(MeetingParticipant.left_at.is_(None), *conditions)
        .values(left_at=utcnow())
        .returning(MeetingParticipant.meeting_id)
    ).all()
    for (meeting_id,) in rows:
        db.session.execute(
            sa.update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(participant_count=sa.case((Meeting.participant_count > 0, Meeting.participant_count - 1), else_=0))
        )
    return len(rows)


def heartbeat(socket_id):
    """The tab is still here."""
    db.session.execute(
        sa.update(MeetingParticipant)
        .where(MeetingParticipant.socket_id == socket_id, MeetingParticipant.left_at.is_(None))
        .values(seen_at=utcnow())
    )
    db.session.commit()


def set_media(socket_id, camera, mic, screen):
    """Record what this tab sends, so people who join later see it. Returns the participant or None."""
    participant = participant_for(socket_id)
    if participant is None:
        return None
    participant.camera_on, participant.mic_on, participant.screen_on = bool(camera), bool(mic), bool(screen)
    db.session.commit()
    return participant


def may_signal(socket_a, socket_b):
    """True when both sockets are in the same meeting now and no block stands between their people:
    signals only pass between such tabs."""
    rows = db.session.execute(
        sa.select(MeetingParticipant.meeting_id, MeetingParticipant.user_id).where(
            MeetingParticipant.socket_id.in_([socket_a, socket_b]), MeetingParticipant.left_at.is_(None)
        )
    ).all()
    if len(rows) != 2 or rows[0].meeting_id != rows[1].meeting_id:
        return False
    return not is_blocked_between(rows[0].user_id, rows[1].user_id)


@account_deleting.connect
def _leave_meetings_of_deleted_account(sender, user, **extra):
    # The rows go with the account by cascade; the counts on meetings hosted by others must follow.
    _mark_left(MeetingParticipant.user_id == user.id)
