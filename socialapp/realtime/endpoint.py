"""The WebSocket endpoint: one socket per tab, for verified, logged-in users of this site only.

Its limits (socialapp/config.py): at most WS_MAX_SOCKETS_PER_USER sockets open per user on all workers
and WS_OPEN_RATE_LIMIT opened per account, both refused with 429 before the upgrade; messages longer
than WS_MAX_MESSAGE_BYTES close the socket (1009) as soon as they pass the limit, unread.
"""

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user
from simple_websocket import ConnectionClosed

from socialapp.extensions import db, limiter, sock
from socialapp.realtime import signals
from socialapp.realtime.ready import ready_message

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008
# How often an idle socket's thread looks whether its connection ended without waking it: simple-websocket
# closes a socket whose message is too long without always waking the thread waiting on it.
IDLE_CHECK_SECONDS = 10

bp = Blueprint("realtime", __name__)


class SocketOwner:
    """Who the socket's request is for, once the socket is ready: as much of the logged-in user as the end of
    the request asks for, without a database row."""

    is_authenticated = is_active = True
    is_anonymous = False

    def __init__(self, user_id):
        self.id = user_id

    def get_id(self):
        return str(self.id)


def origin_allowed():
    """Browsers send the page's origin: it must be this site, so other sites cannot open sockets as our users.
    This site is the configured SERVER_NAME (development without one: the request's own Host)."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    site = current_app.config["SERVER_NAME"] or request.host
    return urlsplit(origin).netloc.lower() == site.lower()


def _opener():
    """Whose socket opens count together: the account's, or for someone not logged in, the address's."""
    if current_user.is_authenticated:
        return f"ws-open:{current_user.id}"
    return f"ws-open:{request.remote_addr}"


limiter.limit(lambda: current_app.config["WS_OPEN_RATE_LIMIT"], key_func=_opener)(bp)


@bp.before_request
def refuse_past_the_socket_cap():
    """A user may keep WS_MAX_SOCKETS_PER_USER sockets open: one account cannot take every thread of a worker."""
    if not current_user.is_authenticated:
        return  # refused after the upgrade, with a reason the page can read
    hub = current_app.extensions["realtime"]
    if hub.open_sockets(current_user.id) >= current_app.config["WS_MAX_SOCKETS_PER_USER"]:
        log.info("refused a socket of user %s: too many open", current_user.id)
        abort(429, "Too many open tabs. Close some and reload.")


@sock.route("/ws", bp=bp)
def socket(ws):
    if not current_user.is_authenticated or not origin_allowed():
        log.info(
            "refused a socket (logged in: %s, origin: %s)", current_user.is_authenticated, request.headers.get("Origin")
        )
        ws.close(reason=POLICY_VIOLATION, message="not allowed")
        return
    user_id, time_zone = current_user.id, current_user.time_zone
    db.session.remove()  # hold no database connection while the socket idles
    hub = current_app.extensions["realtime"]
    # A page showing who is online asks for presence with /ws?want=presence; other pages are spared it.
    client = hub.add(user_id, ws, request.args.getlist("want"), time_zone=time_zone)
    # Only now will pushes reach this socket: the "ready" frame brings what changed since the page was made
    # (it says what it shows in the URL: realtime/ready.py), so an event published between the page load
    # and this moment is not lost.
    try:
        try:
            ready = ready_message(hub, user_id, request.args, time_zone)
        finally:
            db.session.remove()
            # Kept until now so that templates did not load the user again; from here on the request needs
            # only the id (the request log, after the socket closes), so the row is not held for hours nor
            # loaded again then, when the database may be gone (a worker stopping with the service).
            g._login_user = SocketOwner(user_id)
        client.send(ready)
        while ws.connected:
            message = ws.receive(timeout=IDLE_CHECK_SECONDS)
            if message is not None:
                signals.receive(client, message)  # JSON from the page goes to its registered handler
    except (ConnectionClosed, ConnectionError) as closed:  # the page went away, perhaps before "ready"
        log.debug("socket of user %s closed: %r", user_id, closed)
    except Exception:
        log.exception("socket loop failed")
        raise
    finally:
        signals.closed(client)
        hub.remove(client)
