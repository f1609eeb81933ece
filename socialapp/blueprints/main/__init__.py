from socialapp.blueprints.main.routes import bp  # noqa: F401
