from socialapp.blueprints.posts import comments  # noqa: F401  (adds the comment routes to bp)
from socialapp.blueprints.posts.routes import bp  # noqa: F401
