"""What each kind of notification says and where opening it leads: a new kind is one entry in KINDS.

Whether a kind is grouped is the service's rule (`GROUPING` in services/notification_groups.py); a kind
not listed there is an item of its own, which is right for anything that carries its own text.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for


def _by_subject(group, recipient):
    """Where the subject of the group's newest notification is shown (LINKS), else the newest actor."""
    notification = group.newest
    link = LINKS.get(notification.subject_type)
    if link:
        return link(notification, group.actors[0])
    return url_for("profiles.show", username=group.actors[0].username)


def _followers(group, recipient):
    if group.actor_count > 1:
        return url_for("social.followers", username=recipient.username)
    return _by_subject(group, recipient)


@dataclass(frozen=True)
class Kind:
    says: str  # what the actors did, after their names: "Ada and 3 others" + "liked your post"
    link: Callable = _by_subject  # fn(group, recipient) -> the URL that opening the item leads to


KINDS = {
    "follow": Kind("started following you", _followers),
    "like": Kind("liked your post"),
    "comment": Kind("commented on your post"),
    "reply": Kind("replied to your comment"),
    "mention": Kind("mentioned you"),
    "message": Kind("sent you a message"),
    # A moderator's decision on a report the person made (services/moderation.py: resolve).
    "report_dismissed": Kind("reviewed your report: it breaks no rule, so it stays"),
    "report_removed": Kind("reviewed your report: the content was removed"),
    "report_suspended": Kind("reviewed your report: the author is suspended"),
}
UNKNOWN = Kind("did something")

# Where a subject is shown, by its type: fn(notification, actor) -> url.
LINKS = {
    "post": lambda notification, actor: url_for("posts.show", post_id=notification.subject_id),
    "comment": lambda notification, actor: url_for("posts.comment", comment_id=notification.subject_id),
    "conversation": lambda notification, actor: url_for("chat.conversation", username=actor.username),
    "report": lambda notification, actor: url_for("moderation.my_report", report_id=notification.subject_id),
}


def describe(group):
    """What the group's actors did: "liked your post"."""
    return KINDS.get(group.kind, UNKNOWN).says


def destination(group, recipient):
    """The URL that opening the group leads to."""
    return KINDS.get(group.kind, UNKNOWN).link(group, recipient)
