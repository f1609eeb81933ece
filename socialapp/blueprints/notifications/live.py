"""What a viewer's sockets receive when their notifications change: the bell and the changed group's row,
out of band."""

from socialapp.realtime import Live, render_fragment
from socialapp.realtime.ready import shown_count
from socialapp.services import notifications
from socialapp.services.notification_groups import FILTERS, ONE_ACTOR, parse_key

live = Live("notifications")


@live.renderer("notification")
def bell_fragment(viewer_id, event):
    """The bell with the viewer's unread count, swapped in every tab; with the event's group (its key), that
    group's row in the menu and the page, moved to the top when `fresh` (see _group_changed.html). A new
    message's event carries its group's row (`carried`), which leaves only the count to read."""
    key = event.get("group")
    parsed = parse_key(key) if isinstance(key, str) else None
    if parsed is None:
        count = notifications.unread_count(viewer_id)
        return render_fragment("notifications/_bell.html", count=count, oob=True)
    if "carried" in event and parsed[0] in ONE_ACTOR:
        count, group = notifications.carried_group(viewer_id, key, event["carried"])
    else:
        count, group = notifications.unread_count(viewer_id), notifications.find(viewer_id, key)
    # The lists of the page that show this kind: "notifications-list" (all), "mentions-list"...
    page_lists = [
        "notifications-list" if name == "all" else f"{name}-list"
        for name, kinds in FILTERS.items()
        if kinds is None or parsed[0] in kinds
    ]
    return render_fragment(
        "notifications/_group_changed.html",
        count=count,
        key=key,
        group=group,
        fresh=bool(event.get("fresh")),
        page_lists=page_lists,
    )


@live.on_ready
def bell_if_changed(viewer_id, marks):
    """For the "ready" frame: the bell, when its count is no longer the one the page shows (`?bell=N`)."""
    shown = shown_count(marks, "bell")
    if shown is None:
        return ""
    count = notifications.unread_count(viewer_id)
    return "" if count == shown else render_fragment("notifications/_bell.html", count=count, oob=True)
