"""Profiles: the profile page, set-up after sign-up, editing, pictures."""

import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.posts.routes import page_context
from socialapp.blueprints.profiles.forms import ProfileForm
from socialapp.services import feed, images, profiles, social, storage
from socialapp.services.visibility import is_blocked_between, visible_user_named
from socialapp.web import is_htmx, redirect_page

bp = Blueprint("profiles", __name__)

SETUP_FIELDS = ("bio", "country", "about")
# Keys are random and change with every new picture, so a stored variant never changes.
MEDIA_MAX_AGE = 365 * 24 * 3600


# The tabs of a profile: each its own page, listing with its function from services/feed.py; the Posts tab
# loads its next pages from the person's posts page (posts.user_posts), the others from themselves.
TABS = {
    "posts": ("Posts", "profiles.show", feed.user_posts, "posts.user_posts"),
    "media": ("Media", "profiles.media_tab", feed.user_media, "profiles.media_tab"),
    "likes": ("Likes", "profiles.likes_tab", feed.liked_posts, "profiles.likes_tab"),
}


def profile_page(username, tab):
    """A profile with the first page of one tab, or, for htmx, the tab's next page of posts."""
    user = visible_user_named(current_user.id, username)
    _, endpoint, listing, more_endpoint = TABS[tab]
    page = listing(current_user, user, request.args.get("cursor"))
    context = page_context(page, more_endpoint, username=user.username)
    if is_htmx() and tab != "posts":
        return render_template("posts/_posts_page.html", **context)
    # Shown even when muted: the viewer came to see them.
    relation = social.relation(current_user.id, user.id)
    return render_template(
        "profiles/show.html",
        user=user,
        tab=tab,
        tabs=TABS,
        post_count=feed.post_count(user),
        country_name=profiles.country_name(user.country),
        following=relation.following,
        muted=relation.muted,
        **context,
    )


@bp.get("/u/<username>")
@login_required
def show(username):
    """The profile with the first page of the person's posts, and whether the viewer follows or muted them."""
    return profile_page(username, "posts")


@bp.get("/u/<username>/media")
@login_required
def media_tab(username):
    """The profile with the person's posts that have pictures."""
    return profile_page(username, "media")


@bp.get("/u/<username>/likes")
@login_required
def likes_tab(username):
    """The profile with the posts the person liked, the newest like first."""
    return profile_page(username, "likes")


def profile_form_page(template, fields):
    """GET shows the form filled from the profile; POST saves, or re-renders what was typed with 422 (htmx,
    which sends it to show the picture's upload progress, swaps in the form from that page)."""
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    if request.method == "GET":
        return render_template(template, form=form)
    try:
        profiles.save_profile(
            current_user, {name: form[name].data for name in fields}, picture=form.picture.data or None
        )
    except profiles.ProfileError as error:
        for name, message in error.errors.items():
            form[name].errors = [message]
        return render_template(template, form=form), 422
    flash("Your profile is saved.", "success")
    return redirect_page(url_for("profiles.show", username=current_user.username))


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
def setup():
    return profile_form_page("profiles/setup.html", SETUP_FIELDS)


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit():
    return profile_form_page("profiles/edit.html", profiles.EDITABLE)


@bp.post("/settings/profile/picture/remove")
@login_required
def remove_picture():
    profiles.remove_picture(current_user)
    flash("Your picture is removed.", "success")
    return redirect(url_for("profiles.edit"))


@bp.get("/media/<int:owner_id>/<key>/<variant>.jpg", defaults={"extension": "jpg"})
@bp.get("/media/<int:owner_id>/<key>/<variant>.<any(webp):extension>")
@login_required
def media(owner_id, key, variant, extension):
    """A stored picture, for anyone logged in who is not in a block with its owner: sent from the local
    folder (or by nginx), or streamed from the object store (docs/pictures.md, "Where files live")."""
    if not images.is_valid_reference(key, variant) or is_blocked_between(current_user.id, owner_id):
        abort(404)
    name = images.media_key(owner_id, key, variant, extension)
    mimetype = images.EXTENSIONS[extension][1]
    store = storage.media()
    if accel := images.accel_redirect(name):  # nginx sends the file (docs/deploy.md, "Media")
        if not store.exists(name):
            abort(404)
        response = current_app.response_class(mimetype=mimetype, headers={"X-Accel-Redirect": accel})
        response.cache_control.max_age = MEDIA_MAX_AGE
    elif store.kind == "local":
        path = store.path(name)
        if not os.path.isfile(path):
            abort(404)
        response = send_file(path, mimetype=mimetype, max_age=MEDIA_MAX_AGE)
    else:
        response = _streamed(store, name, mimetype)
    # Only the viewer's own browser may keep it: who may see a picture depends on blocks.
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response


def _streamed(store, name, mimetype):
    """The object `name` sent as the store gives it, a chunk at a time. A key names one content for good,
    so a browser holding it revalidates with the key alone: If-None-Match of the key's ETag is a 304."""
    etag = name.rpartition("/")[2]
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        try:
            body = store.open(name)
        except storage.NotStored:
            abort(404)
        except storage.Unavailable as error:
            current_app.logger.error("media store unavailable: %s", error)
            abort(503)
        response = current_app.response_class(_chunks(body), mimetype=mimetype, direct_passthrough=True)
        response.content_length = body.size
    response.set_etag(etag)
    response.cache_control.max_age = MEDIA_MAX_AGE
    return response


def _chunks(body):
    try:
        while chunk := body.read(storage.CHUNK):
            yield chunk
    finally:
        body.close()
