"""Times as each reader sees them: in their own time zone, relative when recent, exact in the title.

Times are stored as naive UTC. Every page and every pushed fragment shows them through the `when`
template global, in the zone of the person reading: the logged-in user's `time_zone` for a page, and for
a push the zone of the socket's owner, set around its rendering with `reading_in`.
"""

import contextlib
import contextvars
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_login import current_user
from markupsafe import Markup, escape

DEFAULT_ZONE = "UTC"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_reader_zone = contextvars.ContextVar("reader_zone", default=None)


@lru_cache(maxsize=1)
def zone_names():
    """Every IANA zone name, sorted, for the settings list."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def valid_zone(name):
    """`name` when it is a known IANA zone (as a browser reports it), else None."""
    if not name or not isinstance(name, str) or len(name) > 64:
        return None
    return name if name in set(zone_names()) else None


@lru_cache(maxsize=256)
def _zone(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


@contextlib.contextmanager
def reading_in(zone_name):
    """Render what is inside for a reader in `zone_name` (a push renders outside that reader's request)."""
    token = _reader_zone.set(zone_name or DEFAULT_ZONE)
    try:
        yield
    finally:
        _reader_zone.reset(token)


def reader_zone():
    """The zone name of whoever the current rendering is for."""
    zone = _reader_zone.get()
    if zone:
        return zone
    return getattr(current_user, "time_zone", None) or DEFAULT_ZONE


def local(at, zone_name=None):
    """Naive UTC `at` as an aware datetime in `zone_name` (default: the reader's)."""
    return at.replace(tzinfo=UTC).astimezone(_zone(zone_name or reader_zone()))


def relative(at, now=None, zone_name=None, there=None):
    """ "now", "5 min", "3 h", "Nov 28" (this year) or "Nov 28, 2025", as Mastodon and Bluesky show times.
    `there`: `at` already in the reader's zone, when the caller has it."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    there = there or local(at, zone_name)
    day = f"{MONTHS[there.month - 1]} {there.day}"
    return day if there.year == local(now, zone_name).year else f"{day}, {there.year}"


def clock(at, now=None, zone_name=None):
    """The time of day, "14:05", in the reader's zone, after the day when it is not today ("Nov 28, 14:05",
    "Nov 28, 2025, 14:05"): how a chat shows when each message was sent."""
    there = local(at, zone_name)
    today = local(now or datetime.now(UTC).replace(tzinfo=None), zone_name)
    if there.date() == today.date():
        return f"{there:%H:%M}"
    day = f"{MONTHS[there.month - 1]} {there.day}"
    return f"{day}, {there:%H:%M}" if there.year == today.year else f"{day}, {there.year}, {there:%H:%M}"


def day(at, now=None, zone_name=None):
    """(key, label) of the reader's day `at` falls on: ("2026-11-28", "Today"), "Yesterday", "Nov 26" or
    "Nov 26, 2025"; what separates a chat's days."""
    there = local(at, zone_name).date()
    today = local(now or datetime.now(UTC).replace(tzinfo=None), zone_name).date()
    if there == today:
        label = "Today"
    elif (today - there).days == 1:
        label = "Yesterday"
    else:
        label = f"{MONTHS[there.month - 1]} {there.day}" + ("" if there.year == today.year else f", {there.year}")
    return there.isoformat(), label


def full(at, zone_name=None, there=None):
    """The exact local date and time with its zone: "Fri, Nov 27, 2026, 17:39 PST". (Written out rather than
    through strftime: a page of posts shows twenty.)"""
    there = there or local(at, zone_name)
    return (
        f"{WEEKDAYS[there.weekday()]}, {MONTHS[there.month - 1]} {there.day}, {there.year}, "
        f"{there.hour:02d}:{there.minute:02d} {there.tzname()}"
    )


def when(at, style="relative", css=None):
    """A `<time>` element: machine-readable UTC in `datetime`, the full local time in `title`, and as text the
    relative time (`style="relative"`), the time of day (`"clock"`) or the full time (`"full"`). Relative text
    is refreshed by the page's script while it stays open, and is right without it when served."""
    zone = reader_zone()  # once: a page of posts writes twenty of these
    there = local(at, zone)
    if style == "relative":
        text = relative(at, zone_name=zone, there=there)
    else:
        text = clock(at, zone_name=zone) if style == "clock" else full(at, zone, there)
    attrs = f' class="{escape(css)}"' if css else ""
    if style == "relative":
        attrs += " data-relative"
    iso = at.replace(microsecond=0).isoformat() + "Z"
    return Markup(f'<time datetime="{iso}" title="{escape(full(at, zone, there))}"{attrs}>{escape(text)}</time>')
