"""The "ready" frame: the first message a socket gets, once it is registered for pushes.

A page says in its socket's URL what its live counts show (`/ws?bell=2&badge=0`, written by app.js at each
(re)connect from what the page shows at that moment). Once the socket is registered, so that nothing
published from then on can be missed, each area's `@live.on_ready` part compares what the page shows with
the database and returns, out of band, only what differs. All of it goes in one frame,
`{"ready": true, "content": "<html>"}`: htmx's socket extension swaps `content` in, then app.js announces
`live:ready`. When nothing changed, the frame is `{"ready": true}`, and the page asks for nothing.
A page that says nothing about a count (an old page, a page without the bell) is sent nothing for it.
"""

import json
import logging
import re

from socialapp.localtime import reading_in

log = logging.getLogger(__name__)
# A mark is a count a page shows: a few ASCII digits, not any integer Python would parse.
COUNT = re.compile(r"[0-9]{1,9}")


def shown_count(marks, name):
    """The count the page says it shows under `name` (a non-negative integer), or None when it says none."""
    value = marks.get(name)
    return int(value) if isinstance(value, str) and COUNT.fullmatch(value) else None


def ready_content(hub, user_id, marks, time_zone=None):
    """The HTML of every area's part for this page: what changed since it was made, out of band. A part that
    fails is logged and left out (the page keeps what it shows; the next push corrects it)."""
    from socialapp.extensions import db

    parts = []
    with reading_in(time_zone):
        for part in hub.ready_parts:
            try:
                parts.append(part(user_id, marks) or "")
            except Exception:
                db.session.rollback()
                log.exception("the ready part %s failed for user %s", getattr(part, "__name__", part), user_id)
    return "".join(parts)


def ready_message(hub, user_id, marks, time_zone=None):
    """The "ready" frame's text: `{"ready": true}`, with `content` when something changed."""
    content = ready_content(hub, user_id, marks, time_zone) if marks else ""
    return json.dumps({"ready": True, "content": content} if content else {"ready": True})
