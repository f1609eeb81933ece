from socialapp.blueprints.profiles.routes import bp  # noqa: F401
