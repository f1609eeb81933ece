"""What a home page's socket receives when someone the viewer follows posts: a button to show new posts."""

from socialapp.realtime import Live, render_fragment
from socialapp.services import mutes, posts
from socialapp.services.errors import NotFound

live = Live("posts")


@live.renderer("new_post")
def new_post_fragment(viewer_id, event):
    """The "new posts" button, swapped in out of band; nothing when the post is gone, hidden by a block, or
    by an author the viewer muted (their feed would show nothing new)."""
    try:
        post = posts.visible_post(viewer_id, int(event["post_id"]))
    except NotFound:
        return ""
    if mutes.is_muted(viewer_id, post.author_id):
        return ""
    return render_fragment("posts/_new_posts.html", announced=True, oob=True)
