"""Comments and replies: add, edit, delete, and a post's further pages of comments."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.posts.routes import bp
from socialapp.extensions import db, per_account
from socialapp.inputs import to_id
from socialapp.models import Comment
from socialapp.services import comments, posts
from socialapp.services.errors import InvalidInput
from socialapp.web import is_htmx


def back_to_post(post_id, comment_id=None):
    anchor = f"comment-{comment_id}" if comment_id else "comments"
    return redirect(url_for("posts.show", post_id=post_id, _anchor=anchor))


@bp.get("/comments/<int:comment_id>")
@login_required
def comment(comment_id):
    """Where a notification about a comment leads: the comment on its post's page."""
    comment, post = comments.visible_comment(current_user.id, comment_id)
    return back_to_post(post.id, comment.id)


@bp.get("/p/<int:post_id>/comments")
@login_required
def more_comments(post_id):
    post = posts.visible_post(current_user.id, post_id)
    if not is_htmx():
        return redirect(url_for("posts.show", post_id=post_id, after=request.args.get("after")))
    threads, next_after = comments.threads_page(current_user, post, request.args.get("after"))
    return render_template("posts/_comment_threads.html", post=post, threads=threads, next_after=next_after)


@bp.post("/p/<int:post_id>/comments")
@login_required
@per_account("COMMENT_RATE_LIMIT")
def add(post_id):
    body = request.form.get("body", "")
    parent_id = to_id(request.form.get("parent_id"))
    post = posts.visible_post(current_user.id, post_id)
    parent = parent_id and db.session.get(Comment, parent_id)
    try:
        comment = comments.add_comment(current_user, post_id, body, parent_id)
    except InvalidInput as error:
        template = "posts/_comment_form.html" if is_htmx() else "posts/comment_error.html"
        return render_template(template, post=post, parent=parent, body=body, error=error.message), 422
    if not is_htmx():
        return back_to_post(post_id, comment.id)
    db.session.refresh(post)
    return render_template(
        "posts/_comment_added.html",
        post=post,
        parent=parent,
        comment=comment,
        author=current_user,
        top_id=comment.parent_id,
    )


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id):
    comment, post = comments.own_comment(current_user, comment_id)
    template = "posts/_comment_edit_form.html" if is_htmx() else "posts/comment_edit.html"
    if request.method == "GET":
        return render_template(template, comment=comment, post=post, body=comment.body)
    body = request.form.get("body", "")
    try:
        comments.edit_comment(current_user, comment_id, body)
    except InvalidInput as error:
        return render_template(template, comment=comment, post=post, body=body, error=error.message), 422
    if not is_htmx():
        return back_to_post(post.id, comment.id)
    return render_template("posts/_comment.html", comment=comment, author=current_user, post=post)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id):
    post, placeholder = comments.delete_comment(current_user, comment_id)
    if not is_htmx():
        return back_to_post(post.id, placeholder and placeholder.id)
    if placeholder:  # the thread stays, with its replies under "Comment deleted"
        thread = comments.thread(current_user, placeholder)
        return render_template("posts/_comment_deleted.html", comment_id=comment_id, post=post, thread=thread)
    return render_template("posts/_comment_deleted.html", comment_id=comment_id, post=post)
