from socialapp.blueprints.search.routes import bp  # noqa: F401
