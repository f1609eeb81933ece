from socialapp.blueprints.social.routes import bp  # noqa: F401
