"""The bell, its menu, the notifications page, opening a notification and marking all read."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.notifications.kinds import describe, destination
from socialapp.inputs import id_arg
from socialapp.services import notifications
from socialapp.services.notification_groups import FILTERS
from socialapp.web import is_htmx

bp = Blueprint("notifications", __name__)
MENU_SIZE = 8  # the header's menu shows the latest few; the page has them all


@bp.app_context_processor
def bell_helpers():
    def unread_notifications():
        return notifications.unread_count(current_user.id) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications, "describe_notification": describe}


def _shown():
    """The page's filter (`show`): "all" when absent; anything else that is not a filter is a 400."""
    show = request.values.get("show") or "all"
    if show not in FILTERS:
        abort(400, "There is no such list of notifications.")
    return show


@bp.get("/notifications/bell")
@login_required
def bell():
    """The bell alone. Pages no longer ask for it (their socket's ready frame brings it when it changed);
    kept for tabs opened before that, which still do when their socket reconnects."""
    return render_template("notifications/_bell.html", count=notifications.unread_count(current_user.id))


@bp.get("/notifications/menu")
@login_required
def menu():
    groups, _ = notifications.page(current_user.id, limit=MENU_SIZE)
    return render_template("notifications/_dropdown.html", groups=groups)


@bp.get("/notifications")
@login_required
def index():
    show, before = _shown(), id_arg("before")
    groups, next_before = notifications.page(current_user.id, before, show=show)
    if is_htmx() and request.args.get("part") == "list":  # the list, refetched when the socket is ready
        return render_template(
            "notifications/_list.html", groups=groups, next_before=next_before, show=show, refetched=True
        )
    template = "notifications/_page.html" if is_htmx() and before else "notifications/index.html"
    return render_template(template, groups=groups, next_before=next_before, show=show)


@bp.get("/notifications/open/<key>")
@login_required
def open_group(key):
    """Opening an item marks its notifications read and leads to what it is about (a link, so it works
    without JavaScript)."""
    group = notifications.open_group(current_user.id, key)
    return redirect(destination(group, current_user))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    show = _shown()
    notifications.mark_all_read(current_user.id)
    if is_htmx():  # the menu and each list of the page, whichever are open where it was clicked
        menu_groups, _ = notifications.page(current_user.id, limit=MENU_SIZE)
        lists = [(name, *notifications.page(current_user.id, show=name)) for name in FILTERS]
        return render_template("notifications/_all_read.html", menu_groups=menu_groups, lists=lists, count=0)
    return redirect(url_for("notifications.index", show=None if show == "all" else show))
