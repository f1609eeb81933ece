"""Checks behind the health endpoint."""

import logging

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


def report():
    """(status, checks, HTTP status): "failing" (503) without the database, which is the truth;
    "degraded" (200) when only Redis is down, since pages work without pushes; else "ok"."""
    checks = {"database": database_ok()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = redis_ok()
    if not checks["database"]:
        return "failing", checks, 503
    return ("ok" if all(checks.values()) else "degraded"), checks, 200
