"""Posts: write, edit, delete, like; the feed's pages, a post's page, who liked it, a person's posts, hashtags."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.posts.links import CardLinks
from socialapp.extensions import per_account
from socialapp.services import feed, posts, social
from socialapp.services.errors import InvalidInput
from socialapp.services.pictures import MAX_ALT_LENGTH
from socialapp.services.visibility import visible_user_named
from socialapp.web import is_htmx, safe_next

bp = Blueprint("posts", __name__)


@bp.app_context_processor
def post_helpers():
    return {
        "post_max_length": posts.MAX_LENGTH,
        "alt_max_length": MAX_ALT_LENGTH,
        "top_cursor": feed.top_cursor,
        "card_links": CardLinks(),
    }


def page_context(page, endpoint, older_endpoint=None, **values):
    """What `_posts_page.html` needs: the posts, and where the next page is for htmx and without it."""
    cursor = page.next_cursor
    return {
        "page": page,
        "more_url": cursor and url_for(endpoint, cursor=cursor, **values),
        "older_url": cursor and url_for(older_endpoint or endpoint, cursor=cursor, **values),
    }


def home_context(cursor=None):
    """The viewer's home feed from `cursor`: the home page (main.index) and the feed's next pages."""
    return page_context(feed.home_feed(current_user, cursor), "posts.feed_page", "main.index")


@bp.get("/feed")
@login_required
def feed_page():
    cursor = request.args.get("cursor")
    if not is_htmx():
        return redirect(url_for("main.index", cursor=cursor))
    context = home_context(cursor)
    html = render_template("posts/_posts_page.html", **context)
    if request.args.get("fresh"):  # the newest posts, asked for with the "new posts" button, which goes
        html += render_template("posts/_new_posts.html", since=feed.top_cursor(context["page"]), oob=True)
    return html


@bp.get("/feed/new")
@login_required
def new_posts():
    """The "new posts" button when the feed has posts newer than `since`; asked when the page's socket
    gets ready, so a post announced while it was away is not missed."""
    since = request.args.get("since")
    return render_template("posts/_new_posts.html", announced=feed.has_newer(current_user, since), since=since)


def refused(error, template, form_id, **context):
    """A refused post form (422). htmx keeps the form as it is, with the chosen files, and only its message
    is replaced; without JavaScript the form comes back with what was typed (the files must be chosen
    again: a browser cannot refill a file input)."""
    if is_htmx():
        html = render_template("posts/_form_error.html", error_id=f"{form_id}-error", error=error.message)
        return html, 422, {"HX-Retarget": f"#{form_id}-error", "HX-Reswap": "outerHTML"}
    files_lost = any(upload.filename for upload in request.files.getlist("images"))
    return render_template(template, error=error.message, files_lost=files_lost, **context), 422


@bp.post("/posts")
@login_required
@per_account("POST_RATE_LIMIT")
def create():
    body, alt_texts = request.form.get("body", ""), request.form.getlist("alt_text")
    try:
        post = posts.create_post(current_user, body, request.files.getlist("images"), alt_texts)
    except InvalidInput as error:
        return refused(error, "posts/new.html", "post-form", body=body, alt_texts=alt_texts)
    if is_htmx():
        item = feed.post_view(current_user.id, post)
        return render_template("posts/_post_created.html", item=item)
    flash("Your post is published.", "success")
    return redirect(safe_next(request.form.get("next")))


@bp.get("/p/<int:post_id>")
@login_required
def show(post_id):
    from socialapp.services import comments

    post = posts.visible_post(current_user.id, post_id)
    item = feed.post_view(current_user.id, post)
    if is_htmx():
        return render_template("posts/_post.html", item=item)
    threads, next_after = comments.threads_page(current_user, post, request.args.get("after"))
    return render_template("posts/show.html", item=item, post=post, threads=threads, next_after=next_after)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id):
    post = posts.own_post(current_user, post_id)
    template = "posts/_post_edit_form.html" if is_htmx() else "posts/edit.html"
    pictures = posts.pictures_of(post.id)
    if request.method == "GET":
        described = {str(picture.id): picture.alt_text for picture in pictures}
        return render_template(template, post=post, body=post.body, pictures=pictures, removing=(), described=described)
    form = request.form
    body, removing, new_alt_texts = form.get("body", ""), form.getlist("remove_picture"), form.getlist("alt_text")
    described = {str(p.id): form[f"alt_text_{p.id}"] for p in pictures if f"alt_text_{p.id}" in form}
    try:
        posts.edit_post(
            current_user, post_id, body, removing, request.files.getlist("images"), described, new_alt_texts
        )
    except InvalidInput as error:
        context = {"post": post, "body": body, "pictures": pictures, "removing": removing, "described": described}
        return refused(error, "posts/edit.html", f"post-{post.id}", alt_texts=new_alt_texts, **context)
    if is_htmx():
        return render_template("posts/_post.html", item=feed.post_view(current_user.id, post))
    return redirect(url_for("posts.show", post_id=post_id))


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id):
    """GET asks first (the card's Delete without JavaScript; with it, htmx asks and posts); POST deletes."""
    if request.method == "GET":
        return render_template("posts/delete.html", post=posts.own_post(current_user, post_id))
    posts.delete_post(current_user, post_id)
    if is_htmx():
        return render_template("posts/_post_deleted.html", post_id=post_id)
    flash("Your post is deleted.", "success")
    return redirect(url_for("main.index"))


def like_response(post, liked):
    if is_htmx():
        return render_template("posts/_like_button.html", post=post, liked=liked)
    return redirect(safe_next(request.form.get("next"), "main.index"))


@bp.post("/p/<int:post_id>/like")
@login_required
def like(post_id):
    return like_response(posts.like(current_user, post_id), True)


@bp.post("/p/<int:post_id>/unlike")
@login_required
def unlike(post_id):
    return like_response(posts.unlike(current_user, post_id), False)


@bp.get("/p/<int:post_id>/likes")
@login_required
def likers(post_id):
    post, people, next_cursor = posts.likers_page(current_user, post_id, request.args.get("cursor"))
    context = {
        "post": post,
        "people": people,
        "following": social.following_ids(current_user.id, [p.id for p in people]),
        "next_url": next_cursor and url_for("posts.likers", post_id=post_id, cursor=next_cursor),
    }
    if is_htmx():
        return render_template("social/_people_page.html", **context)
    return render_template("posts/likers.html", **context)


@bp.get("/u/<username>/posts")
@login_required
def user_posts(username):
    user = visible_user_named(current_user.id, username)
    page = feed.user_posts(current_user, user, request.args.get("cursor"))
    context = page_context(page, "posts.user_posts", username=user.username)
    if is_htmx():
        return render_template("posts/_posts_page.html", **context)
    return render_template("posts/user_posts.html", user=user, **context)


@bp.get("/tags/<tag>")
@login_required
def tag(tag):
    tag = tag.lower()
    context = page_context(feed.tag_posts(current_user, tag, request.args.get("cursor")), "posts.tag", tag=tag)
    if is_htmx():
        return render_template("posts/_posts_page.html", **context)
    return render_template("posts/tag.html", tag=tag, **context)
