"""Follow, unfollow, mute, block, the list of muted and blocked people, lists of people, suggestions and people
search."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from socialapp.services import accounts, mutes, social
from socialapp.services.visibility import visible_user_named
from socialapp.web import is_htmx, safe_next

bp = Blueprint("social", __name__)


def block_target(username, action):
    """The person named in a block or unblock: someone the viewer blocks is found here, unless they
    block back; anyone else only when the viewer may see them."""
    user = accounts.find_by_username(username)
    social.check_may_block(current_user, user, action)
    return user


def graph_action(action, username):
    user = visible_user_named(current_user.id, username)
    action(current_user, user)
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
    user = block_target(username, "block")
    if request.method == "GET":
        return render_template("social/block_confirm.html", user=user)
    social.block(current_user, user)
    flash(f"You blocked {user.full_name}. Neither of you will see the other.", "success")
    return redirect(url_for("social.blocked"))


@bp.post("/u/<username>/unblock")
@login_required
def unblock(username):
    user = block_target(username, "unblock")
    social.unblock(current_user, user)
    if is_htmx():
        return render_template("social/_listed_person.html", user=user, kind="blocked", active=False)
    flash(f"You unblocked {user.full_name}.", "success")
    return redirect(url_for("social.blocked"))


def mute_action(action, username, message):
    """Mute or unmute; htmx gets the fragment the button was in: a row of the settings list, or the
    profile's actions."""
    user = visible_user_named(current_user.id, username)
    action(current_user, user)
    if is_htmx():
        if request.form.get("listed"):
            muted = mutes.is_muted(current_user.id, user.id)
            return render_template("social/_listed_person.html", user=user, kind="muted", active=muted)
        relation = social.relation(current_user.id, user.id)
        return render_template(
            "social/_profile_actions.html", user=user, following=relation.following, muted=relation.muted
        )
    flash(message.format(name=user.full_name), "success")
    return redirect(safe_next(request.form.get("next"), "social.blocked"))


@bp.post("/u/<username>/mute")
@login_required
def mute(username):
    return mute_action(mutes.mute, username, "You muted {name}. They are not told.")


@bp.post("/u/<username>/unmute")
@login_required
def unmute(username):
    return mute_action(mutes.unmute, username, "You unmuted {name}.")


# The lists of the settings page, each walked by its own cursor (?muted=... or ?blocked=...).
PEOPLE_LISTS = {"muted": mutes.muted_page, "blocked": social.blocked_page}


def listed_people(kind):
    people, next_cursor = PEOPLE_LISTS[kind](current_user, request.args.get(kind))
    return {
        "kind": kind,
        "people": people,
        "next_url": next_cursor and url_for("social.blocked", **{kind: next_cursor}),
    }


@bp.get("/settings/blocked")
@login_required
def blocked():
    """Muted and blocked people, each with the button that undoes it; htmx asking for one list's next page
    gets that page alone."""
    asked = [kind for kind in PEOPLE_LISTS if kind in request.args]
    if is_htmx() and len(asked) == 1:
        return render_template("social/_listed_people.html", **listed_people(asked[0]))
    return render_template(
        "social/muted_and_blocked.html", muted=listed_people("muted"), blocked=listed_people("blocked")
    )


def people_list(username, page_function, title):
    user = visible_user_named(current_user.id, username)
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
