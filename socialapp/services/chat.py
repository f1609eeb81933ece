"""Chat: one-on-one conversations, messages, read positions, and the live events they publish.

Every message is committed before anyone hears of it: its events are published when its transaction
commits (`publish_on_commit`), and they are only a doorbell: a page that reconnects asks for the
messages after the last id it has. A new message's event carries what its fragment shows (the message and
both people, `message_event`), so that pushing it costs each recipient one query (their counts, and whether
a block now stands between them: `arrival_counts`) and the sender's other tabs none.
"""

import functools
from datetime import datetime

from sqlalchemy import Integer, bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from socialapp.extensions import commit_keeping_loaded, db
from socialapp.models import User
from socialapp.models.base import utcnow
from socialapp.models.chat import Conversation, ConversationMember, Message
from socialapp.models.social import Follow
from socialapp.realtime import online_users, publish, publish_on_commit
from socialapp.services import notifications, text
from socialapp.services.accounts import find_by_username

# Unread counts: services/chat_unread.py.
from socialapp.services.chat_unread import arrival_counts, unread_counts_stmt, unread_in, unread_total  # noqa: F401
from socialapp.services.errors import Forbidden, InvalidInput, NotFound, ServiceError
from socialapp.services.text import starts_with
from socialapp.services.visibility import hidden_between, may_interact, visible_to, visible_user

MAX_MESSAGE_LENGTH = 2000
EMPTY = "Write a message before sending."
TOO_LONG = "Messages are limited to {limit:,} characters; this one has {length:,}."
PAGE_SIZE = 30
CATCH_UP_LIMIT = 200
PRESENCE_SCAN_SIZE = 500
PRESENCE_SCAN_BATCHES = 10
# "Who is online" looks at this many of the viewer's most recent conversations, and as many of the people
# they followed last: presence is asked of at most twice this many people per page.
ONLINE_CANDIDATES = 50


def chat_partner(viewer_id, user, hidden=None):
    """`user` if `viewer_id` may chat with them: NotFound for someone they may not see (unknown, or in a
    block: the same answer), ServiceError for oneself. `hidden`: see `visible_user`."""
    visible_user(viewer_id, user, hidden)
    if user.id == viewer_id:
        raise ServiceError("You cannot send messages to yourself.")
    return user


def partner_named(viewer_id, username):
    """The user named `username`, if `viewer_id` may chat with them (see `chat_partner`)."""
    return chat_partner(viewer_id, find_by_username(username))


@functools.cache
def _conversation_stmt():
    # Built once, with parameters: every message sent and every conversation opened asks it.
    low, high = bindparam("low", type_=Integer), bindparam("high", type_=Integer)
    return select(Conversation).where(Conversation.user_low_id == low, Conversation.user_high_id == high)


def find_conversation(a_id, b_id):
    """The conversation between two users, or None."""
    low, high = sorted((a_id, b_id))
    return db.session.scalar(_conversation_stmt(), {"low": low, "high": high})


@functools.cache
def _sending_stmt():
    # Built once, with parameters: what a send must know of the two people, in one query rather than three (a
    # block or suspension between them, their conversation, and what the message's notification folds into).
    sender_id, recipient_id, low, high = (
        bindparam(name, type_=Integer) for name in ("sender_id", "recipient_id", "low", "high")
    )
    conversation = select(Conversation.id).where(Conversation.user_low_id == low, Conversation.user_high_id == high)
    conversation_id = conversation.scalar_subquery()
    notice = notifications.message_notice(recipient_id, sender_id, conversation_id)
    return select(hidden_between(sender_id, recipient_id), conversation_id, *notice)


def _before_sending(sender, recipient):
    """(their conversation's id or None, the notification's `message_notice`) for a message from `sender` to
    `recipient`, in one query; refused as `chat_partner` refuses."""
    if recipient is None or recipient.id == sender.id:
        return chat_partner(sender.id, recipient)  # refused: NotFound, or ServiceError for oneself
    low, high = sorted((sender.id, recipient.id))
    params = {"sender_id": sender.id, "recipient_id": recipient.id, "low": low, "high": high}
    hidden, conversation_id, *notice = db.session.execute(_sending_stmt(), params).one()
    chat_partner(sender.id, recipient, hidden)
    return conversation_id, notice


def _new_conversation(a_id, b_id):
    low, high = sorted((a_id, b_id))
    conversation = Conversation(user_low_id=low, user_high_id=high)
    db.session.add(conversation)
    db.session.flush()
    db.session.add_all(
        [
            ConversationMember(conversation_id=conversation.id, user_id=a_id, other_user_id=b_id),
            ConversationMember(conversation_id=conversation.id, user_id=b_id, other_user_id=a_id),
        ]
    )
    return conversation.id


def _save_message(sender_id, recipient_id, body, conversation_id):
    if conversation_id is None:
        conversation_id = _new_conversation(sender_id, recipient_id)
    message = Message(conversation_id=conversation_id, sender_id=sender_id, body=body, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    # One's own message counts as read, so it never shows as unread in one's other tabs.
    own_read = case(
        (ConversationMember.user_id == sender_id, message.id), else_=ConversationMember.last_read_message_id
    )
    db.session.execute(
        update(ConversationMember)
        .where(ConversationMember.conversation_id == conversation_id)
        .values(last_message_id=message.id, last_read_message_id=own_read)
    )
    return conversation_id, message


def send_message(sender, recipient, body):
    """Save a message from `sender` to `recipient`, notify them, and publish it when that commits.

    Raises a ServiceError (nothing saved): InvalidInput for an empty or oversized body, NotFound for a
    recipient one may not see.
    """
    conversation_id, notice = _before_sending(sender, recipient)
    body = text.clean_text(body, MAX_MESSAGE_LENGTH, InvalidInput, EMPTY, TOO_LONG)
    for attempt in range(2):
        try:
            conversation_id, message = _save_message(sender.id, recipient.id, body, conversation_id)
            notifications.notify_of_message(recipient.id, sender, conversation_id, notice)
            sent = message_event(message, sender, recipient)
            publish_on_commit([sender.id, recipient.id], "chat_message", message_id=message.id, sent=sent)
            commit_keeping_loaded()  # the response renders the message, its sender and recipient
            break
        except IntegrityError:
            # Both people wrote their very first message at once: the other created the conversation.
            db.session.rollback()
            if attempt:
                raise
            conversation_id, notice = _before_sending(sender, recipient)
        except Exception:
            db.session.rollback()
            raise
    return message


# What the fragments of a message show of each person (templates/chat/_message_arrived.html and its parts).
PERSON_FIELDS = ("id", "username", "first_name", "last_name", "avatar_key")


def message_event(message, sender, recipient):
    """What a new message's fragment shows, for its event: the message, and its sender and recipient (each is
    the other one for the other side). Taken from the rows the send already holds, without a query."""
    return {
        "message": {
            "id": message.id,
            "conversation_id": message.conversation_id,
            "sender_id": message.sender_id,
            "body": message.body,
            "created_at": message.created_at.isoformat(),
        },
        "people": [{name: getattr(person, name) for name in PERSON_FIELDS} for person in (sender, recipient)],
    }


def from_message_event(sent):
    """(message, sender, recipient) of a `message_event`, as unsaved rows that templates read as saved ones."""
    fields = dict(sent["message"], created_at=datetime.fromisoformat(sent["message"]["created_at"]))
    sender, recipient = (User(**{name: person[name] for name in PERSON_FIELDS}) for person in sent["people"])
    return Message(**fields), sender, recipient


def delete_message(user, message_id):
    """Delete `user`'s own message: its text is erased and both sides see it as deleted."""
    message = db.session.get(Message, message_id)
    if message is None or partner_in(user.id, message.conversation_id) is None:
        raise NotFound("There is no such message.")
    if message.sender_id != user.id:
        raise Forbidden("You can only delete your own messages.")
    return erase_message(message)


def erase_message(message):
    """Erase `message`'s text, for both sides (they see it as deleted), and commit: for its sender, or for a
    moderator acting on a report."""
    if message.deleted_at is None:
        message.deleted_at = utcnow()
        message.body = ""
        conversation = db.session.get(Conversation, message.conversation_id)
        publish_on_commit([conversation.user_low_id, conversation.user_high_id], "chat_message", message_id=message.id)
        db.session.commit()
    return message


def membership(viewer_id, other_id):
    """The viewer's side of their conversation with `other_id`, or None if they have not talked yet."""
    conversation = find_conversation(viewer_id, other_id)
    if conversation is None:
        return None
    return db.session.get(ConversationMember, (conversation.id, viewer_id))


def history(conversation_id, before_id=None, limit=PAGE_SIZE):
    """Up to `limit` messages older than `before_id` (newest page when None), oldest first,
    and whether older ones remain."""
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if before_id is not None:
        stmt = stmt.where(Message.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    return rows[:limit][::-1], more


def messages_after(conversation_id, after_id, limit=CATCH_UP_LIMIT):
    """Messages newer than `after_id`, oldest first: what a page that reconnects has missed."""
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > after_id)
        .order_by(Message.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def mark_read(member, up_to_id=None):
    """Move `member`'s read position forward to `up_to_id` (or the newest message); never backwards.

    Publishes the change to the other member ("Seen") and to the reader's other tabs (badges)."""
    newest = member.last_message_id
    target = newest if up_to_id is None else min(int(up_to_id), newest)
    if target <= member.last_read_message_id:
        return False
    member.last_read_message_id = target
    if target == newest:
        _withdraw_notification(member)
    publish_on_commit(member.other_user_id, "chat_seen", user_id=member.user_id)  # "Seen" for the other
    publish_on_commit(member.user_id, "chat_read", user_id=member.other_user_id)  # badges in one's other tabs
    db.session.commit()
    return True


def unread_upto(member, messages):
    """The newest of `messages` (oldest first) when `member` has not read up to it: where the page that
    shows them reports the reader's position, by a POST (showing them marks nothing)."""
    if member is None or not messages or messages[-1].id <= member.last_read_message_id:
        return None
    return messages[-1].id


def seen_by_other(member):
    """True when the newest message is the viewer's own and the other member has read it."""
    if not member or not member.last_message_id:
        return False
    other = db.session.get(ConversationMember, (member.conversation_id, member.other_user_id))
    last = db.session.get(Message, member.last_message_id)
    return last is not None and last.sender_id == member.user_id and other.last_read_message_id >= last.id


def conversations_for(user_id, before=None, limit=PAGE_SIZE):
    """The user's conversations, most recent first, as (member, other user, last message, unread count).

    Three queries whatever the length; `before` is the last_message_id cursor of the previous page."""
    stmt = (
        select(ConversationMember, User, Message)
        .join(User, User.id == ConversationMember.other_user_id)
        .join(Message, Message.id == ConversationMember.last_message_id)
        .where(ConversationMember.user_id == user_id, visible_to(user_id, ConversationMember.other_user_id))
        .order_by(ConversationMember.last_message_id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(ConversationMember.last_message_id < before)
    rows = db.session.execute(stmt).all()
    ids = [member.conversation_id for member, _, _ in rows]
    unread = {}
    if ids:
        counts = unread_counts_stmt(user_id).where(ConversationMember.conversation_id.in_(ids))
        unread = dict(db.session.execute(counts).all())
    return [(member, other, last, unread.get(member.conversation_id, 0)) for member, other, last in rows]


def conversation_row(user_id, other_id):
    """One entry of `conversations_for`, for the conversation with `other_id`, or None."""
    member = membership(user_id, other_id)
    if member is None or not member.last_message_id:
        return None
    return member, db.session.get(User, other_id), db.session.get(Message, member.last_message_id), unread_in(member)


def chat_users(viewer_id, query="", only_ids=None, exclude_ids=None, after=None, limit=50):
    """Verified users the viewer may chat with (no block either way), by username, filtered by a
    name prefix; `only_ids`/`exclude_ids` narrow to online or offline people; `after` is a username cursor."""
    stmt = select(User).where(User.id != viewer_id, User.email_verified_at.is_not(None), visible_to(viewer_id, User.id))
    query = (query or "").strip().lower()
    if query:
        stmt = stmt.where(
            or_(
                starts_with(User.username, query),
                starts_with(User.first_name, query),
                starts_with(User.last_name, query),
            )
        )
    if only_ids is not None:
        stmt = stmt.where(User.id.in_(list(only_ids) or [0]))
    if exclude_ids:
        stmt = stmt.where(User.id.not_in(list(exclude_ids)))
    if after:
        stmt = stmt.where(func.lower(User.username) > after.lower())
    rows = list(db.session.scalars(stmt.order_by(func.lower(User.username)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def people_page(viewer_id, query, presence, after, limit=50):
    """One page of the people list: (users, ids of those online, cursor for the next page or None).

    Presence lives outside the database, so the online and offline filters walk the users by name in
    batches and keep those that match, up to a bounded number of batches per page."""
    if presence == "all":
        users, more = chat_users(viewer_id, query, after=after, limit=limit)
        return users, online_ids([u.id for u in users]), (users[-1].username if more else None)
    want_online = presence == "online"
    found, online, cursor = [], set(), after
    for _ in range(PRESENCE_SCAN_BATCHES):
        batch, more = chat_users(viewer_id, query, after=cursor, limit=PRESENCE_SCAN_SIZE)
        batch_online = online_ids([u.id for u in batch])
        for user in batch:
            if (user.id in batch_online) == want_online:
                found.append(user)
                if want_online:
                    online.add(user.id)
            if len(found) == limit:
                return found, online, user.username
        if not more:
            return found, online, None
        cursor = batch[-1].username
    return found, online, cursor


def online_ids(user_ids):
    """The subset of `user_ids` with a socket open somewhere."""
    if not user_ids:
        return set()
    return set(online_users(user_ids))


@functools.cache
def _online_candidates_stmt():
    # Built once, with the viewer as a parameter: every home page asks it, and building it cost more than
    # running it.
    viewer_id = bindparam("viewer_id", type_=Integer)
    chats = (
        select(ConversationMember.other_user_id.label("user_id"))
        .where(ConversationMember.user_id == viewer_id, ConversationMember.last_message_id.is_not(None))
        .order_by(ConversationMember.last_message_id.desc())
        .limit(ONLINE_CANDIDATES)
        .subquery()
    )
    follows = (
        select(Follow.followed_id.label("user_id"))
        .where(Follow.follower_id == viewer_id)
        .order_by(Follow.created_at.desc())
        .limit(ONLINE_CANDIDATES)
        .subquery()
    )
    return select(chats.c.user_id).union_all(select(follows.c.user_id))


@functools.cache
def _online_people_stmt():
    viewer_id, wanted = bindparam("viewer_id", type_=Integer), bindparam("wanted", expanding=True)
    return select(User).where(User.id.in_(wanted), User.email_verified_at.is_not(None), visible_to(viewer_id, User.id))


def online_contacts(viewer_id, limit=10):
    """Up to `limit` people the viewer chats with or follows who are online now, most recent conversations
    first, then the people followed last. Two queries at most, however many people the viewer knows."""
    ids = list(dict.fromkeys(db.session.scalars(_online_candidates_stmt(), {"viewer_id": viewer_id})))
    online = online_ids(ids)
    wanted = [user_id for user_id in ids if user_id in online and user_id != viewer_id][: limit * 2]
    if not wanted:
        return []
    people = db.session.scalars(_online_people_stmt(), {"viewer_id": viewer_id, "wanted": wanted})
    users = {user.id: user for user in people}
    return [users[user_id] for user_id in wanted if user_id in users][:limit]


def partner_in(user_id, conversation_id):
    """The other member of a conversation `user_id` belongs to, or None when `user_id` is not in it or
    a block stands between them (the conversation is hidden then)."""
    member = db.session.get(ConversationMember, (conversation_id, user_id))
    other = db.session.get(User, member.other_user_id) if member else None
    return other if may_interact(user_id, other) else None


def typing(user, other):
    """Tell `other` that `user` is typing to them. Nothing is stored, so it is published at once."""
    chat_partner(user.id, other)
    publish(other.id, "chat_typing", user_id=user.id)


def _withdraw_notification(member):
    # Everything in the conversation is read: the bell no longer needs to point at it.
    notifications.withdraw(
        member.user_id, member.other_user_id, "message", subject_type="conversation", subject_id=member.conversation_id
    )
