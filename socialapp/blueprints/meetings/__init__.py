from socialapp.blueprints.meetings.routes import bp  # noqa: F401
