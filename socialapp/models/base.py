"""Helpers shared by every model module."""

from datetime import UTC, datetime


def utcnow():
    """The current time in UTC, naive, as every DateTime column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)
