"""The WebSocket endpoint: one socket per tab, for verified, logged-in users of this site only.

Its limits (socialapp/config.py): at most WS_MAX_SOCKETS_PER_USER sockets open per user on all workers
and WS_OPEN_RATE_LIMIT opened per account, both refused with 429 before the upgrade; messages longer
than WS_MAX_MESSAGE_BYTES close the socket (1009) as soon as they pass the limit, unread.

One thread per socket: simple-websocket would start a thread of its own to read each socket while the
request's thread waits for what it reads. Here the request's thread does the reading (`InRequestThread`),
and each message is handed to its handler as it arrives (`MessageArrived`), which halves the threads, and
so the memory, that idle sockets hold.
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

bp = Blueprint("realtime", __name__)


class InRequestThread:
    """simple-websocket's `thread_class`: its reading loop is not started on a thread of its own but kept,
    as `run`, for the request's thread to run once the socket is ready (`socket` below)."""

    def __init__(self, target):
        self.run = target
        self.name = "socket-reader"

    def start(self):
        pass


class MessageArrived:
    """simple-websocket's `event_class`: where its reading loop signals that a message (or the end) came,
    hand what it read to `on_message`, on the same thread, in order."""

    def __init__(self):
        self.on_message = None

    def set(self):
        if self.on_message is not None:
            self.on_message()

    def clear(self):
        pass

    def wait(self, timeout=None):
        return True


SERVER_OPTIONS = {"thread_class": InRequestThread, "event_class": MessageArrived}


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
        ws.event.on_message = lambda: _hand_over(client, ws)
        ws.thread.run()  # reads the socket until it closes, however it closes
    except (ConnectionClosed, ConnectionError) as closed:  # the page went away, perhaps before "ready"
        log.debug("socket of user %s closed: %r", user_id, closed)
    except Exception:
        log.exception("socket loop failed")
        raise
    finally:
        signals.closed(client)
        hub.remove(client)


def _hand_over(client, ws):
    """Each message the page sent, as JSON, to its registered handler."""
    while ws.input_buffer:
        signals.receive(client, ws.input_buffer.pop(0))
