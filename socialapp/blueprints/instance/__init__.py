from socialapp.blueprints.instance.routes import bp  # noqa: F401
