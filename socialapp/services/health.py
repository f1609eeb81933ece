"""Checks behind the health endpoint: the database and Redis, each "ok", "degraded" (answers, but slower
than HEALTH_SLOW_SECONDS) or "down"."""

import logging
import time

from flask import current_app
from sqlalchemy import text

from socialapp.extensions import db

log = logging.getLogger(__name__)


def database_ok():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to answer means unhealthy, whatever the driver raises
        log.exception("database health check failed")
        db.session.rollback()
        return False


def redis_ok():
    """Whether Redis answers a PING, for an app that uses Redis."""
    broker = current_app.extensions["realtime"].broker
    try:
        return bool(broker.redis.ping())
    except broker.errors as error:
        log.warning("Redis health check failed: %s", error)
        return False


def _state(check):
    """ "down" when `check` fails, "degraded" when it answers slower than HEALTH_SLOW_SECONDS, else "ok"."""
    started = time.monotonic()
    if not check():
        return "down"
    slow = time.monotonic() - started > current_app.config.get("HEALTH_SLOW_SECONDS", 1.0)
    return "degraded" if slow else "ok"


def report():
    """(status, checks, HTTP status). Without the database nothing works: "down", 503, so that a load
    balancer takes the host out. With only Redis down or anything slow: "degraded", 200, since pages work
    without pushes. Else "ok", 200. Redis is checked only for an app that uses it."""
    checks = {"database": _state(database_ok)}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _state(redis_ok)
    if checks["database"] == "down":
        return "down", checks, 503
    return ("ok" if set(checks.values()) == {"ok"} else "degraded"), checks, 200
