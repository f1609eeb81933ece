"""What a suspended or deleted person's open pages receive: nothing, their sockets are closed.

The event is published on the person's own channel, so every worker holding one of their sockets closes it.
The close code (ACCOUNT_ENDED_CODE) is not one htmx reconnects after; app.js reloads the page on it, and the
reload finds the person logged out.
"""

from flask import current_app

from socialapp.realtime import Live
from socialapp.services.moderation import ACCOUNT_ENDED

live = Live("moderation")
# An application's own close code (4000-4999): "your login ended".
ACCOUNT_ENDED_CODE = 4001


@live.renderer(ACCOUNT_ENDED)
def close_sockets(viewer_id, event):
    """Close every socket of `viewer_id` on this worker; nothing is sent."""
    for client in current_app.extensions["realtime"].local_clients(viewer_id):
        client.close(ACCOUNT_ENDED_CODE)
    return None
