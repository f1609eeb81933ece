"""socialapp: a social network a small team can run themselves."""

import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from socialapp import assets, realtime, templating
from socialapp import config as config_module
from socialapp.extensions import csrf, db, limiter, login_manager, mail, migrate, sock
from socialapp.inputs import register_inputs
from socialapp.observability import configure_logging
from socialapp.services import mail as mail_service
from socialapp.services import storage


def create_app(config=None):
    """Build the app: configuration from the environment, then `config` overrides on top."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    config_module.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app)
    storage.init_app(app)

    if app.config["TRUSTED_PROXIES"]:
        # Real client addresses (rate limits, logs) and https URLs behind nginx. Not X-Forwarded-Host: the
        # site's address is configured (SERVER_NAME), and a header a client can send must not move it.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    login_manager.init_app(app)
    mail.init_app(app)
    mail_service.init_app(app)
    sock.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    register_inputs(app)  # before the routes: it replaces their `int` converter

    from socialapp import models  # noqa: F401  (registers the tables)
    from socialapp.blueprints import register_blueprints
    from socialapp.cli import register_commands
    from socialapp.web import register_web

    register_web(app)
    assets.init_app(app)
    templating.init_app(app)
    register_blueprints(app)
    realtime.init_app(app, _live_areas())
    register_commands(app)
    return app


def _live_areas():
    """What each area pushes and handles on sockets (renderers, handlers), from its live.py."""
    from socialapp.blueprints.chat import live as chat
    from socialapp.blueprints.meetings import live as meetings
    from socialapp.blueprints.moderation import live as moderation
    from socialapp.blueprints.notifications import live as notifications
    from socialapp.blueprints.posts import live as posts

    return [chat.live, meetings.live, moderation.live, notifications.live, posts.live]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite leaves foreign keys off and writers blocking readers unless asked.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
