"""Real-time pushes: events published after commit reach the sockets of their users on any worker.

An event is small JSON (a kind and ids) on the channel of one user, or on the broadcast channel. Each
process has one hub holding its open sockets and one subscriber thread; for each event it asks the
renderer registered for the kind to build the fragment for that viewer from the database, and sends it.
htmx swaps the fragment in out of band. The database is the truth; the broker is only a doorbell.
"""

from flask import current_app, has_request_context, render_template

RENDERERS = {}


def register_renderer(kind, fn):
    """`fn(viewer_id, event) -> html` builds what a viewer's sockets receive for events of `kind`.

    It runs on the subscriber thread, in an app context shared by all viewers of one event (so nothing
    per viewer belongs in `flask.g`); an empty result sends nothing.
    """
    RENDERERS[kind] = fn


def render_fragment(template, **context):
    """Render a template for a push: renderers run on the subscriber thread, outside any HTTP request,
    and url_for needs one."""
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context("/"):
        return render_template(template, **context)


def _hub():
    return current_app.extensions["realtime"]


def publish(recipient_id, kind, /, **ids):
    """Send an event to every socket of `recipient_id`, on every worker. Call it after the commit."""
    _hub().publish(f"user:{recipient_id}", {"kind": kind, **ids})


def broadcast(kind, /, **ids):
    """Send an event to every connected user."""
    _hub().publish("broadcast", {"kind": kind, **ids})  # to the sockets whose page asked for `kind`


def online_users(user_ids):
    """The subset of `user_ids` with at least one socket open on any worker."""
    return _hub().presence.online(list(user_ids))


def is_online(user_id):
    return user_id in online_users([user_id])


def init_app(app):
    from socialapp.realtime.hub import Hub

    app.extensions["realtime"] = Hub(app)
