from socialapp.blueprints.notifications.routes import bp  # noqa: F401
