"""Checks behind the health endpoint."""

import logging

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
