"""Meetings: create one, join one by its id or link, the recent list, and the room page."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.meetings import live
from socialapp.services import janus, meetings, turn, zego
from socialapp.services.errors import InvalidInput

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

# The prebuilt kit comes from ZegoCloud's CDN and talks to their servers; only its page allows that.
ZEGO_CSP = (
    "default-src 'self'; script-src 'self' https://unpkg.com; style-src 'self' 'unsafe-inline' https:; "
    "img-src 'self' data: blob: https:; media-src 'self' blob: https:; connect-src 'self' https: wss:; "
    "font-src 'self' data: https:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _index(status=200, **context):
    context.setdefault("title", "")
    context.setdefault("room", "")
    page = render_template("meetings/index.html", recent=meetings.recent_meetings(current_user.id), **context)
    return page, status


@bp.get("/")
@login_required
def index():
    return _index()


@bp.post("/")
@login_required
def create():
    title = request.form.get("title", "")
    try:
        meeting = meetings.create_meeting(current_user.id, title)
    except InvalidInput as error:
        return _index(error.status, title=title[:500], create_error=error.message)
    return redirect(url_for(".room", room_id=meeting.room_id), 303)


@bp.get("/join")
@login_required
def join():
    """Join by what was pasted: a room id or a whole meeting link."""
    pasted = request.args.get("room", "")
    room_id = meetings.parse_room_id(pasted)
    if room_id is None:
        message = "Paste a meeting ID like abcd-efgh-jkmn, or a meeting link."
        return _index(422, room=pasted[:500], join_error=message)
    if meetings.find_meeting(room_id, current_user.id) is None:
        return _index(404, room=pasted[:500], join_error="No meeting has that ID. Check it and try again.")
    return redirect(url_for(".room", room_id=room_id), 303)


@bp.get("/<room_id>")
@login_required
def room(room_id):
    meeting = meetings.visible_meeting(current_user.id, room_id)
    if meeting.room_id != room_id:  # typed in capitals or without dashes
        return redirect(url_for(".room", room_id=meeting.room_id), 301)
    config = current_app.config
    live.sweep(meeting.id)  # so the room is not full of tabs that are gone, and the others know
    link = url_for(".room", room_id=meeting.room_id, _external=True)
    if zego.enabled(config):
        token = zego.meeting_token(config, current_user.id, meeting.room_id)
        page = render_template("meetings/zego.html", meeting=meeting, link=link, token=token)
        return page, 200, {"Content-Security-Policy": ZEGO_CSP}
    max_participants = janus.max_participants(config)
    page = render_template(
        "meetings/room.html",
        meeting=meeting,
        link=link,
        full=meetings.is_full(meeting, max_participants),
        max_participants=max_participants,
        ice_servers=turn.ice_servers(config, current_user.id),
        janus_url=config["JANUS_URL"] if janus.enabled(config) else None,
    )
    if not janus.enabled(config):
        return page
    # The page's script talks to Janus's WebSocket too, which may be on another host or port.
    csp = config["CONTENT_SECURITY_POLICY"].replace("connect-src 'self'", f"connect-src 'self' {config['JANUS_URL']}")
    return page, 200, {"Content-Security-Policy": csp}
