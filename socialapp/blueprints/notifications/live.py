"""What a viewer's sockets receive when their notifications change: the bell, out of band."""

from socialapp.realtime import Live, render_fragment
from socialapp.services import notifications

live = Live("notifications")


@live.renderer("notification")
def bell_fragment(viewer_id, event):
    """The bell with the viewer's unread count, swapped in every tab."""
    return render_fragment("notifications/_bell.html", count=notifications.unread_count(viewer_id), oob=True)
