"""Chat: the people and conversations list, a conversation, sending, reading, typing, deleting."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.extensions import account_key, limiter, per_account
from socialapp.inputs import id_arg
from socialapp.services import calls, chat
from socialapp.services.accounts import find_by_username
from socialapp.services.errors import InvalidInput
from socialapp.web import is_htmx

bp = Blueprint("chat", __name__, url_prefix="/chat")

PRESENCE_FILTERS = ("all", "online", "offline")
TYPING_LIMIT = "40/minute"


@bp.app_template_global()
def chat_unread_count():
    """The number on the Chat link in the navigation."""
    if not current_user.is_authenticated:
        return 0
    return chat.unread_total(current_user.id)


@bp.context_processor
def chat_context():
    return {"viewer": current_user, "push": False, "page_size": chat.PAGE_SIZE}


def _people(template="chat/_user_list.html", **context):
    presence = request.args.get("presence", "all")
    presence = presence if presence in PRESENCE_FILTERS else "all"
    query = request.args.get("q", "")[:100]
    users, online, cursor = chat.people_page(current_user.id, query, presence, request.args.get("after"))
    return render_template(
        template, users=users, online=online, cursor=cursor, presence=presence, query=query, **context
    )


@bp.get("/")
@login_required
def index():
    if is_htmx() and request.args.get("list") == "people":
        return _people()
    if is_htmx() and request.args.get("list") == "people-rows":
        return _people("chat/_user_rows.html")
    return _people("chat/index.html", conversations=chat.conversations_for(current_user.id))


@bp.get("/badge")
@login_required
def badge():
    """The badge alone. Pages no longer ask for it (their socket's ready frame brings it when it changed);
    kept for tabs opened before that, which still do when their socket reconnects."""
    return render_template("chat/_badge.html", count=chat.unread_total(current_user.id))


@bp.get("/conversations")
@login_required
def conversations():
    rows = chat.conversations_for(current_user.id, before=id_arg("before"))
    return render_template("chat/_conversation_page.html", conversations=rows)


@bp.get("/<username>")
@login_required
def conversation(username):
    other = chat.partner_named(current_user.id, username)
    return conversation_page(other, chat.membership(current_user.id, other.id), id_arg("before"))


def conversation_page(other, member, before=None, body="", error=None):
    """The conversation with `other`: a page of messages (the newest unless `before`), their presence,
    "Seen", and the composer holding `body` and `error`. The newest page reports itself read once shown
    (an htmx POST, or a button without scripts): showing it marks nothing."""
    messages, more = chat.history(member.conversation_id, before_id=before) if member else ([], False)
    return render_template(
        "chat/conversation.html",
        other=other,
        messages=messages,
        more=more,
        online=chat.online_ids([other.id]),
        seen=chat.seen_by_other(member),
        body=body,
        error=error,
        unread_upto=chat.unread_upto(member, messages) if before is None else None,
    )


@bp.get("/<username>/messages")
@login_required
def messages(username):
    """Older messages (before=<id>, for scrolling up) or newer ones (after=<id>, after a reconnect)."""
    other = chat.partner_named(current_user.id, username)
    member = chat.membership(current_user.id, other.id)
    after = id_arg("after", low=0)
    if after is not None:
        found = chat.messages_after(member.conversation_id, after) if member else []
        upto, seen = chat.unread_upto(member, found), chat.seen_by_other(member)
        return render_template("chat/_caught_up.html", other=other, messages=found, after=after, seen=seen, upto=upto)
    if member is None:
        return render_template("chat/_older.html", other=other, messages=[], more=False)
    older, more = chat.history(member.conversation_id, before_id=id_arg("before"))
    return render_template("chat/_older.html", other=other, messages=older, more=more)


@bp.post("/<username>/messages")
@login_required
@per_account("CHAT_MESSAGE_RATE_LIMIT")
def send(username):
    # send_message checks that the sender may write to them (NotFound, as for no one, otherwise).
    other = find_by_username(username)
    body = request.form.get("body", "")
    try:
        message = chat.send_message(current_user, other, body)
    except InvalidInput as error:
        return _composer_error(other, body, error.message)
    if not is_htmx():
        return redirect(url_for(".conversation", username=other.username))
    return render_template("chat/_message_sent.html", other=other, message=message)


@bp.post("/<username>/call")
@login_required
@per_account("CALL_RATE_LIMIT")
def call(username):
    """Start a video call with the person of this conversation: they are rung, the caller goes in."""
    meeting = calls.start_call(current_user, chat.partner_named(current_user.id, username))
    return redirect(url_for("meetings.room", room_id=meeting.room_id), 303)


@bp.post("/calls/<room_id>/decline")
@login_required
def decline_call(room_id):
    caller = calls.decline_call(current_user, room_id)
    if is_htmx():
        return ""  # the invitation goes
    return redirect(url_for(".conversation", username=caller.username), 303)


def _composer_error(other, body, error):
    """The form again with what was typed and why it was refused (422), as a fragment or a page."""
    if is_htmx():
        return render_template("chat/_composer.html", other=other, body=body, error=error), 422
    return conversation_page(other, chat.membership(current_user.id, other.id), body=body, error=error), 422


@bp.post("/<username>/read")
@login_required
def read(username):
    """The conversation is read up to `upto`: sent by the page once it shows the messages (or by its
    "Mark as read" button without scripts). The badge answers at once, whether or not a socket is open."""
    other = chat.partner_named(current_user.id, username)
    member = chat.membership(current_user.id, other.id)
    if member is not None:
        chat.mark_read(member, id_arg("upto"))
    if not is_htmx():
        return redirect(url_for(".conversation", username=other.username), 303)
    return render_template("chat/_badge.html", count=chat.unread_total(current_user.id), oob=True)


@bp.post("/<username>/typing")
@login_required
@limiter.limit(TYPING_LIMIT, key_func=account_key)
def typing(username):
    other = chat.partner_named(current_user.id, username)
    chat.typing(current_user, other)
    return "", 204


@bp.post("/messages/<int:message_id>/delete")
@login_required
def delete(message_id):
    message = chat.delete_message(current_user, message_id)
    if is_htmx():
        return render_template("chat/_message.html", message=message)
    other = chat.partner_in(current_user.id, message.conversation_id)
    return redirect(url_for(".conversation", username=other.username))
