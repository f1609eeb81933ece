from socialapp.blueprints.chat.routes import bp  # noqa: F401
