from socialapp.blueprints.posts import (
    comments,  # noqa: F401  (adds the comment routes to bp)
    pictures,  # noqa: F401  (how pictures are shown, for templates)
)
from socialapp.blueprints.posts.routes import bp  # noqa: F401
