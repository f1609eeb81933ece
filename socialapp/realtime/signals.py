"""Messages from pages, and messages to one socket (one tab) rather than to every tab of a user.

Pushes (`publish`) reach every tab of a user as HTML. Some features need more: a video call
exchanges JSON offers, answers and network candidates between two particular tabs. So:

- a page sends JSON `{"type": "...", ...}` on its socket; an area's `@live.handler(type)` makes
  `fn(user_id, socket_id, data)` handle it, on the worker holding that socket;
- `send_to_socket(socket_id, payload)` delivers JSON to one tab, on whatever worker holds it: it is
  published on the owner's `user:<id>` channel through the broker, and the worker that has the socket
  sends it (the socket id names its user, so no lookup is needed);
- an area's `@live.on_close` runs `fn(user_id, socket_id)` when a socket closes, however it closed.

A message that is not JSON, not an object, has no string "type" or a type nobody handles is ignored,
and the socket stays open: a broken page (or a hostile one) cannot close it or make it fail.

Payload keys `content` and `payload` are swapped as HTML by htmx's socket extension, so JSON sent to
pages must not use them. Handlers run on the socket's thread, in the request context of the socket; what
a page sent before its socket was ready is handled, after the ready frame, on the thread that registered
the socket, in a copy of that context (realtime/endpoint.py). One socket's messages are handled one at a
time, in order.
"""

import json
import logging
import secrets

from flask import current_app

from socialapp.extensions import db
from socialapp.realtime import Live, publish

log = logging.getLogger(__name__)

live = Live("sockets")
KIND = "to_socket"


def _hub():
    return current_app.extensions["realtime"]


def socket_id_of(client):
    """The id of one open socket: its user's id, a dot, and a random part. Registered on first use."""
    sid = getattr(client, "socket_id", None)
    if sid is None:
        sid = client.socket_id = f"{client.user_id}.{secrets.token_urlsafe(12)}"
        hub = _hub()
        with hub.sockets_lock:
            hub.sockets_by_id[sid] = client
    return sid


def user_of(socket_id):
    user, _, _ = str(socket_id).partition(".")
    return int(user) if user.isdigit() else None


def send_to_socket(socket_id, payload):
    """Send JSON `payload` to one socket, on any worker. Unknown or closed sockets drop it."""
    user_id = user_of(socket_id)
    if user_id is not None:
        publish(user_id, KIND, socket=socket_id, message=payload)


@live.renderer(KIND)
def _deliver(viewer_id, event):
    # Runs on the worker(s) where the addressed user has sockets; only the one holding it sends.
    client = _hub().sockets_by_id.get(event.get("socket"))
    if client is not None and client.user_id == viewer_id:
        try:
            client.send(json.dumps(event["message"]))
        except Exception:  # closing under us; its own thread cleans up
            log.debug("send to socket failed", exc_info=True)
    return None  # nothing for the user's other sockets


def _parse(text):
    """The message as a dict with a string "type", or None for anything else."""
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None
    return data if isinstance(data, dict) and isinstance(data.get("type"), str) else None


def receive(client, text):
    """The endpoint's hook for every message a page sends: dispatch JSON to its handler. Never raises."""
    data = _parse(text)
    handler = _hub().handlers.get(data["type"]) if data else None
    if handler is None:
        log.debug("ignored a message from user %s", client.user_id)
        return
    try:
        handler(client.user_id, socket_id_of(client), data)
    except Exception:
        db.session.rollback()
        log.exception("handling %s from user %s failed", data["type"], client.user_id)
    finally:
        db.session.remove()  # hold no database connection while the socket idles


def closed(client):
    """The endpoint's hook when a socket closes: forget it and tell the close handlers."""
    sid = getattr(client, "socket_id", None)
    if sid is None:
        return  # the page never spoke, so no feature knows this socket
    hub = _hub()
    with hub.sockets_lock:
        hub.sockets_by_id.pop(sid, None)
    for fn in hub.close_handlers:
        try:
            fn(client.user_id, sid)
        except Exception:
            db.session.rollback()
            log.exception("close handler failed for socket %s", sid)
        finally:
            db.session.remove()
