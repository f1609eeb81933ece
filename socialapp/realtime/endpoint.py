"""The WebSocket endpoint: one socket per tab, for verified, logged-in users of this site only.

Its limits (socialapp/config.py): at most WS_MAX_SOCKETS_PER_USER sockets open per user on all workers
and WS_OPEN_RATE_LIMIT opened per account, both refused with 429 before the upgrade; messages longer
than WS_MAX_MESSAGE_BYTES close the socket (1009) as soon as they pass the limit, unread.

One thread per socket: simple-websocket would start a thread of its own to read each socket while the
request's thread waits for what it reads. Here the request's thread does the reading (`InRequestThread`)
from the moment the socket opens, and each message is handed to its handler as it arrives
(`MessageArrived`), which halves the threads, and so the memory, that idle sockets hold. The socket is
registered and sent its "ready" frame on a short-lived thread meanwhile, so that a page giving up on a
socket whose registration hangs can still close it: its close is read, answered and the connection ends.
"""

import contextlib
import logging
import threading
from urllib.parse import urlsplit

from flask import Blueprint, abort, copy_current_request_context, current_app, g, request
from flask_login import current_user
from simple_websocket import ConnectionClosed

from socialapp.extensions import db, limiter, sock
from socialapp.realtime import signals
from socialapp.realtime.ready import ready_message

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011

bp = Blueprint("realtime", __name__)


class InRequestThread:
    """simple-websocket's `thread_class`: its reading loop is not started on a thread of its own but kept,
    as `run`, for the request's thread to run (`socket` below)."""

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


class Opened:
    """Stands in for wsproto's handshake once the socket is open: wsproto asks it only for events, of which
    it has no more, and the real one would keep its HTTP parser and the upgrade request (about 3 KB) for as
    long as the socket lives."""

    @staticmethod
    def events():
        return iter(())


OPENED = Opened()


class Link:
    """What the reading thread and the registering one share: the hub's client once the socket is
    registered, and a lock so that the page's messages reach their handlers one at a time, in order,
    whichever thread hands them over."""

    __slots__ = ("ws", "client", "lock", "registering")

    def __init__(self, ws):
        self.ws = ws
        self.client = None
        self.lock = threading.Lock()
        self.registering = threading.Lock()  # held until the registration ends, however it ends
        self.registering.acquire()

    def hand_over(self):
        """Each message the page sent, as JSON, to its registered handler; those that came before the
        socket was registered wait in simple-websocket's buffer until the registration hands them over."""
        with self.lock:
            if self.client is None:
                return
            buffered = self.ws.input_buffer
            while buffered:
                signals.receive(self.client, buffered.pop(0))


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
    user_id = current_user.id
    if ws.ws.connection is not None:
        ws.ws.handshake = OPENED
    link = Link(ws)
    _start_registration(link)
    ws.event.on_message = link.hand_over
    try:
        ws.thread.run()  # reads the socket until it closes, however it closes, during registration too
    finally:
        with link.registering:  # so that a socket registered after it closed is removed all the same
            if link.client is not None:
                signals.closed(link.client)
                current_app.extensions["realtime"].remove(link.client)
    log.debug("socket of user %s closed", user_id)


def _start_registration(link):
    """Register the socket on a thread of its own, which takes the user's row along: the reading thread keeps
    only the id, for handlers and for the request log after the socket closes, so the row is not held for
    hours nor loaded again then, when the database may be gone (a worker stopping with the service)."""
    user = current_user._get_current_object()
    db.session.remove()  # hold no database connection while the socket idles
    g._login_user = SocketOwner(user.id)
    register_in_request = copy_current_request_context(register)
    threading.Thread(target=register_in_request, args=(link, user), name="socket-register", daemon=True).start()


def register(link, user):
    """Register the socket for pushes, then send it the "ready" frame (realtime/ready.py), which brings what
    changed since the page was made, so an event published before the socket was registered is not lost.
    Then hand over what the page sent meanwhile. Runs beside the reading thread, in a copy of its request."""
    g._login_user = user  # so that templates do not load the user again
    try:
        _register(link, user)
    except (ConnectionClosed, ConnectionError) as closed:  # the page went away before "ready"
        log.debug("socket of user %s closed before it was ready: %r", user.id, closed)
    except Exception:
        log.exception("registering a socket failed")
        with contextlib.suppress(ConnectionClosed):  # its reader ends with the page's answer; the page reconnects
            link.ws.close(reason=INTERNAL_ERROR)
    finally:
        link.registering.release()


def _register(link, user):
    hub = current_app.extensions["realtime"]
    # A page showing who is online asks for presence with /ws?want=presence; other pages are spared it.
    client = hub.add(user.id, link.ws, request.args.getlist("want"), time_zone=user.time_zone)
    try:
        try:
            ready = ready_message(hub, user.id, request.args, user.time_zone)
        finally:
            db.session.remove()
        client.send(ready)
    finally:  # the reading thread removes the client when the socket closes, even if that was now
        with link.lock:
            link.client = client
    link.hand_over()  # the page's messages reach their handlers after "ready", as the page expects
