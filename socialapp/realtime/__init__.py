"""Real-time pushes: events published when a write commits reach the sockets of their users on any worker.

An event is small JSON (a kind and ids) on the channel of one user, or on the broadcast channel. Each
process has one hub holding its open sockets, one subscriber thread and a few push threads; for each event
a push thread asks the renderer registered for the kind to build the fragment for that viewer from the database, and sends it.
htmx swaps the fragment in out of band. The database is the truth; the broker is only a doorbell, so a
push that cannot be sent (Redis down) is logged and dropped, never raised to the writer.

Each area declares what it adds in its `live.py` with one `Live` and its decorators; the app factory
hands those to `init_app`, which keeps them on the app's hub (`app.extensions["realtime"]`).
"""

import json

from flask import current_app, has_request_context, render_template
from sqlalchemy import event

from socialapp.extensions import db

_PENDING = "realtime.publish_on_commit"
_WROTE = "realtime.wrote"  # set in session.info once the transaction has written something


class Live:
    """What one area adds to the real-time layer, gathered by decorators and registered on an app by
    `init_app` (as a Blueprint gathers routes):

    - `@live.renderer(kind)`: `fn(viewer_id, event) -> html` builds what a viewer's sockets receive for
      events of `kind`. It runs on a push thread, in a request context shared by all viewers of one
      event (so nothing per viewer belongs in `flask.g`); an empty result sends nothing.
    - `@live.handler(type)`: `fn(user_id, socket_id, data)` handles JSON `{"type": type, ...}` that a
      page sends on its socket, on the socket's thread.
    - `@live.on_close`: `fn(user_id, socket_id)` runs when a socket closes, however it closed.
    - `@live.on_ready`: `fn(user_id, marks) -> html` adds to the socket's "ready" frame what changed since
      the page was made: `marks` are the socket URL's query arguments, where the page says what it shows
      (`?bell=2&badge=0`, see realtime/ready.py); an empty result adds nothing.
    """

    def __init__(self, name):
        self.name = name
        self.renderers = {}
        self.handlers = {}
        self.close_handlers = []
        self.ready_parts = []

    def renderer(self, kind):
        def register(fn):
            self.renderers[kind] = fn
            return fn

        return register

    def handler(self, type_):
        def register(fn):
            self.handlers[type_] = fn
            return fn

        return register

    def on_close(self, fn):
        self.close_handlers.append(fn)
        return fn

    def on_ready(self, fn):
        self.ready_parts.append(fn)
        return fn


def render_fragment(template, **context):
    """Render a template for a push: renderers run on a push thread, outside any HTTP request, and url_for
    needs one (the hub makes one for each event it delivers; this makes one when called without it)."""
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context("/"):
        return render_template(template, **context)


def _hub():
    return current_app.extensions["realtime"]


def publish_on_commit(user_ids, kind, /, **ids):
    """Send `{"kind": kind, **ids}` to every socket of each of `user_ids` (one id or several) once the
    current transaction commits; if it rolls back, nothing is sent. The same event queued twice in one
    transaction is sent once. Every write that others should hear of publishes this way, after making
    its changes; when the transaction has written nothing, the event is sent at once."""
    hub = _hub()
    channels = [f"user:{user_id}" for user_id in ((user_ids,) if isinstance(user_ids, int) else user_ids)]
    session = db.session()
    if not (session.info.get(_WROTE) or session.new or session.dirty or session.deleted):
        # Nothing to wait for: what the event announces is already stored (the session may still have a
        # transaction of reads, which nobody will commit).
        for channel in channels:
            hub.publish(channel, {"kind": kind, **ids})
        return
    pending = session.info.setdefault(_PENDING, {})
    for channel in channels:
        event_ = {"kind": kind, **ids}
        pending[(id(hub), channel, json.dumps(event_, sort_keys=True))] = (hub, channel, event_)


@event.listens_for(db.session, "after_commit")
def _publish_pending(session):
    if session.in_nested_transaction():
        return  # a savepoint was released; the transaction goes on
    for hub, channel, event_ in session.info.pop(_PENDING, {}).values():
        hub.publish(channel, event_)  # logs and drops when the broker is unreachable


@event.listens_for(db.session, "after_transaction_end")
def _drop_pending(session, transaction):
    if transaction.parent is None:  # rolled back, or closed without a commit
        session.info.pop(_PENDING, None)
        session.info.pop(_WROTE, None)


@event.listens_for(db.session, "after_flush")
def _wrote_by_flush(session, flush_context):
    session.info[_WROTE] = True


@event.listens_for(db.session, "do_orm_execute")
def _wrote_by_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def publish(user_id, kind, /, **ids):
    """Send an event now to every socket of `user_id`, on every worker: for what no write stands behind
    (someone is typing, a message to one socket). Writes use `publish_on_commit`."""
    _hub().publish(f"user:{user_id}", {"kind": kind, **ids})


def broadcast(kind, /, **ids):
    """Send an event to every connected user."""
    _hub().publish("broadcast", {"kind": kind, **ids})  # to the sockets whose page asked for `kind`


def online_users(user_ids):
    """The subset of `user_ids` with at least one socket open on any worker. While Redis is unreachable,
    those with a socket on this worker."""
    return _hub().online(list(user_ids))


def is_online(user_id):
    return user_id in online_users([user_id])


def init_app(app, areas=()):
    """Give the app its hub, with the renderers and handlers of `areas` (each a `Live`), and the /ws route."""
    from socialapp.realtime import endpoint, signals
    from socialapp.realtime.hub import Hub

    # simple-websocket closes a socket (1009) as soon as a message grows past this, before reading the rest;
    # each socket is read by its request's thread rather than by one more thread (endpoint.py).
    app.config["SOCK_SERVER_OPTIONS"] = {
        **app.config.get("SOCK_SERVER_OPTIONS", {}),
        **endpoint.SERVER_OPTIONS,
        "max_message_size": app.config["WS_MAX_MESSAGE_BYTES"],
    }
    hub = Hub(app)
    for live in (signals.live, *areas):
        hub.register(live)
    app.extensions["realtime"] = hub
    app.register_blueprint(endpoint.bp)
