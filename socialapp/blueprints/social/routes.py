"""Follow, unfollow, block, lists of people, suggestions and people search."""

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.main.routes import safe_next
from socialapp.services import accounts, social
from socialapp.services.visibility import is_blocked_between
from socialapp.web import is_htmx

bp = Blueprint("social", __name__)


def target_user(username, block_action=None):
    """The user a graph action is about; 404 when unknown or hidden by a block.

    For a `block_action` ("block", "unblock"), someone the viewer blocks is found, unless they block back.
    """
    user = accounts.find_by_username(username)
    if user is None:
        abort(404)
    if block_action:
        apply(partial(social.check_may_block, action=block_action), user)
    elif is_blocked_between(current_user.id, user.id):
        abort(404)
    return user


def apply(action, user):
    """Run a graph service action by the viewer on `user`, turning its refusal into an HTTP error."""
    try:
        action(current_user, user)
    except social.SocialError as error:
        abort(error.status, error.message)


def graph_action(action, username):
    user = target_user(username)
    apply(action, user)
    if is_htmx():
        following = social.is_following(current_user.id, user.id)
        db_user = accounts.find_by_username(username)  # counts as they are after the change
        return render_template(
            "social/_follow_changed.html",
            user=db_user,
            following=following,
            with_counts=bool(request.form.get("counts")),
        )
    return redirect(safe_next(request.form.get("next"), "main.index"))


@bp.post("/u/<username>/follow")
@login_required
def follow(username):
    return graph_action(social.follow, username)


@bp.post("/u/<username>/unfollow")
@login_required
def unfollow(username):
    return graph_action(social.unfollow, username)


@bp.route("/u/<username>/block", methods=["GET", "POST"])
@login_required
def block(username):
    user = target_user(username, "block")
    if request.method == "GET":
        return render_template("social/block_confirm.html", user=user)
    apply(social.block, user)
    flash(f"You blocked {user.full_name}. Neither of you will see the other.", "success")
    return redirect(url_for("social.blocked"))


@bp.post("/u/<username>/unblock")
@login_required
def unblock(username):
    user = target_user(username, "unblock")
    apply(social.unblock, user)
    flash(f"You unblocked {user.full_name}.", "success")
    return redirect(url_for("social.blocked"))


@bp.get("/settings/blocked")
@login_required
def blocked():
    return render_template("social/blocked.html", users=social.blocked_users(current_user))


def people_list(username, page_function, title):
    user = target_user(username)
    people, next_cursor = page_function(current_user, user, request.args.get("cursor"))
    context = {
        "people": people,
        "following": social.following_ids(current_user.id, [p.id for p in people]),
        "next_url": next_cursor and url_for(request.endpoint, username=username, cursor=next_cursor),
    }
    if is_htmx():
        return render_template("social/_people_page.html", **context)
    return render_template("social/people_list.html", user=user, title=title, **context)


@bp.get("/u/<username>/followers")
@login_required
def followers(username):
    return people_list(username, social.followers_page, "Followers")


@bp.get("/u/<username>/following")
@login_required
def following(username):
    return people_list(username, social.following_page, "Following")


@bp.get("/people/suggestions")
@login_required
def suggestions():
    suggested = social.suggestions(current_user, limit=30)
    return render_template("social/suggestions.html", suggested=suggested)


@bp.get("/people/search")
@login_required
def search():
    query = request.args.get("q", "")
    people = social.search_people(current_user, query)
    context = {
        "query": query,
        "people": people,
        "following": social.following_ids(current_user.id, [p.id for p in people]),
    }
    if is_htmx():
        return render_template("social/_search_results.html", **context)
    return render_template("social/search.html", **context)
