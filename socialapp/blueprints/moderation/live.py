"""What a suspended or deleted person's open pages receive: word that their login ended, then a closed socket.

The event is published on the person's own channel, so every worker holding one of their sockets acts on it.
Each socket is told {"account_ended": true}, on which app.js reloads the page (the reload finds the person
logged out), and is then closed with ACCOUNT_ENDED_CODE, a code htmx does not reconnect after (app.js reloads
on it too, for a page that missed the message). The message comes first because Chromium does not always
see the close code of a socket the server closes: it may report 1006 and reconnect, to be refused.
"""

import json
import logging

from flask import current_app

from socialapp.realtime import Live
from socialapp.services.moderation import ACCOUNT_ENDED

log = logging.getLogger(__name__)
live = Live("moderation")
# An application's own close code (4000-4999): "your login ended".
ACCOUNT_ENDED_CODE = 4001
ENDED_MESSAGE = json.dumps({"account_ended": True})


@live.renderer(ACCOUNT_ENDED)
def close_sockets(viewer_id, event):
    """Tell every socket of `viewer_id` on this worker that their login ended, and close it; nothing else is sent."""
    for client in current_app.extensions["realtime"].local_clients(viewer_id):
        try:
            client.send(ENDED_MESSAGE)
        except Exception:  # closing under us already
            log.debug("telling a socket its login ended failed", exc_info=True)
        client.close(ACCOUNT_ENDED_CODE)
    return None
