from socialapp.blueprints.posts import comments  # noqa: F401  (adds the comment routes to bp)
from socialapp.blueprints.posts.live import new_post_fragment
from socialapp.blueprints.posts.routes import bp  # noqa: F401
from socialapp.realtime import register_renderer

register_renderer("new_post", new_post_fragment)
