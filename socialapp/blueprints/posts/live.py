"""What a home page's socket receives when someone the viewer follows posts: a button to show new posts."""

from socialapp.extensions import db
from socialapp.models import Post
from socialapp.realtime import Live, render_fragment
from socialapp.services.visibility import is_blocked_between

live = Live("posts")


@live.renderer("new_post")
def new_post_fragment(viewer_id, event):
    """The "new posts" button, swapped in out of band; nothing when the post is gone or hidden by a block."""
    post = db.session.get(Post, int(event["post_id"]))
    if post is None or is_blocked_between(viewer_id, post.author_id):
        return ""
    return render_fragment("posts/_new_posts.html", announced=True, oob=True)
