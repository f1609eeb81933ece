"""Logging: one structured line per request, JSON in production (LOG_FORMAT=json), text on a laptop."""

import logging
import sys
import time

from flask import g, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

log = logging.getLogger("socialapp.request")


def configure_logging(app):
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=True))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.pop("request_started", None)
        if started is not None and request.endpoint != "static":
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": _user_id(),
                    "remote_addr": request.remote_addr,
                },
            )
        return response


def _user_id():
    """The signed-in user's id for the log line; None when the database had no connection to spare
    (web.database_busy), since finding the user would ask it again."""
    if g.get("database_busy"):
        return None
    return current_user.id if current_user.is_authenticated else None
