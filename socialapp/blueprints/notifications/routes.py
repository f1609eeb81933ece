"""The bell, the notifications page, marking as read."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from socialapp.inputs import id_arg
from socialapp.services import notifications
from socialapp.web import is_htmx

bp = Blueprint("notifications", __name__)
MENU_SIZE = 8  # the header's menu shows the latest few; the page has them all

# What a notification says after its actor's name, by kind.
DESCRIPTIONS = {
    "follow": "started following you",
    "like": "liked your post",
    "comment": "commented on your post",
    "reply": "replied to your comment",
    "mention": "mentioned you",
    "message": "sent you a message",
    # A moderator's decision on a report the person made (services/moderation.py: resolve).
    "report_dismissed": "reviewed your report: it breaks no rule, so it stays",
    "report_removed": "reviewed your report: the content was removed",
    "report_suspended": "reviewed your report: the author is suspended",
}
# Where a notification leads, by the type of its subject: its cause. Without a subject, the actor's profile.
LINKS = {
    "post": lambda notification, actor: url_for("posts.show", post_id=notification.subject_id),
    "comment": lambda notification, actor: url_for("posts.comment", comment_id=notification.subject_id),
    "conversation": lambda notification, actor: url_for("chat.conversation", username=actor.username),
    "report": lambda notification, actor: url_for("moderation.my_report", report_id=notification.subject_id),
}


def describe_notification(notification):
    return DESCRIPTIONS.get(notification.kind, "did something")


def notification_link(notification, actor):
    link = LINKS.get(notification.subject_type)
    return link(notification, actor) if link else url_for("profiles.show", username=actor.username)


@bp.app_context_processor
def bell_helpers():
    def unread_notifications():
        return notifications.unread_count(current_user.id) if current_user.is_authenticated else 0

    return {
        "unread_notifications": unread_notifications,
        "describe_notification": describe_notification,
        "notification_link": notification_link,
    }


@bp.get("/notifications/bell")
@login_required
def bell():
    return render_template("notifications/_bell.html", count=notifications.unread_count(current_user.id))


@bp.get("/notifications/menu")
@login_required
def menu():
    rows, _ = notifications.page(current_user.id, limit=MENU_SIZE)
    return render_template("notifications/_dropdown.html", rows=rows)


@bp.get("/notifications")
@login_required
def index():
    before = id_arg("before")
    rows, next_before = notifications.page(current_user.id, before)
    template = "notifications/_page.html" if is_htmx() and before else "notifications/index.html"
    return render_template(template, rows=rows, next_before=next_before)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    row = notifications.mark_read(current_user.id, notification_id)
    if is_htmx():
        count = notifications.unread_count(current_user.id)
        return render_template("notifications/_notification_read.html", row=row, count=count)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    notifications.mark_all_read(current_user.id)
    if is_htmx():
        rows, _ = notifications.page(current_user.id, limit=MENU_SIZE)
        return render_template("notifications/_all_read.html", rows=rows, count=0)
    return redirect(url_for("notifications.index"))
