"""The WebSocket endpoint: one socket per tab, for verified, logged-in users of this site only."""

import json
import logging
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_login import current_user
from simple_websocket import ConnectionClosed

from socialapp.extensions import db, sock
from socialapp.realtime import signals

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008


def origin_allowed():
    """Browsers send the page's origin: it must be this site, so other sites cannot open sockets as our users.
    This site is the configured SERVER_NAME (development without one: the request's own Host)."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    site = current_app.config["SERVER_NAME"] or request.host
    return urlsplit(origin).netloc.lower() == site.lower()


@sock.route("/ws")
def socket(ws):
    if not current_user.is_authenticated or not origin_allowed():
        log.info(
            "refused a socket (logged in: %s, origin: %s)", current_user.is_authenticated, request.headers.get("Origin")
        )
        ws.close(reason=POLICY_VIOLATION, message="not allowed")
        return
    user_id = current_user.id
    db.session.remove()  # hold no database connection while the socket idles
    g.pop("_login_user", None)  # nor the user's row: handlers go by client.user_id
    hub = current_app.extensions["realtime"]
    # A page showing who is online asks for presence with /ws?want=presence; other pages are spared it.
    client = hub.add(user_id, ws, request.args.getlist("want"))
    # Only now will pushes reach this socket: the page refreshes what it shows on this signal, so an
    # event published between the page load and this moment is not lost.
    try:
        client.send(json.dumps({"ready": True}))
        while True:
            signals.receive(client, ws.receive())  # JSON from the page goes to its registered handler
    except (ConnectionClosed, ConnectionError) as closed:  # the page went away, perhaps before "ready"
        log.debug("socket of user %s closed: %r", user_id, closed)
    except Exception:
        log.exception("socket loop failed")
        raise
    finally:
        signals.closed(client)
        hub.remove(client)
