"""Profiles: the profile page, set-up after sign-up, editing, pictures."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.profiles.forms import ProfileForm
from socialapp.services import accounts, images, profiles, social
from socialapp.services.visibility import is_blocked_between

bp = Blueprint("profiles", __name__)

SETUP_FIELDS = ("bio", "country", "about")


def visible_user_or_404(username):
    """The user named `username`, unless unknown or in a block with the viewer."""
    user = accounts.find_by_username(username)
    if user is None or is_blocked_between(current_user.id, user.id):
        abort(404)
    return user


@bp.get("/u/<username>")
@login_required
def show(username):
    user = visible_user_or_404(username)
    return render_template(
        "profiles/show.html",
        user=user,
        country_name=profiles.country_name(user.country),
        following_ids=social.following_ids(current_user.id, [user.id]),
    )


def save_profile(form, fields):
    """Apply the form's fields and its picture; on errors, put them on the form and return False."""
    try:
        profiles.update_profile(current_user, **{name: getattr(form, name).data for name in fields})
    except profiles.ProfileError as error:
        for name, message in error.errors.items():
            getattr(form, name).errors = [message]
        return False
    upload = form.picture.data
    if upload and upload.filename:
        try:
            profiles.set_picture(current_user, upload)
        except images.ImageError as error:
            form.picture.errors = [error.message]
            return False
    return True


def edit_page(template, fields, done_url):
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        if save_profile(form, fields):
            flash("Your profile is saved.", "success")
            return redirect(done_url)
        return render_template(template, form=form), 422
    if form.is_submitted():
        return render_template(template, form=form), 422
    return render_template(template, form=form)


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
def setup():
    return edit_page("profiles/setup.html", SETUP_FIELDS, url_for("profiles.show", username=current_user.username))


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit():
    return edit_page("profiles/edit.html", profiles.EDITABLE, url_for("profiles.show", username=current_user.username))


@bp.post("/settings/profile/picture/remove")
@login_required
def remove_picture():
    profiles.remove_picture(current_user)
    flash("Your picture is removed.", "success")
    return redirect(url_for("profiles.edit"))


@bp.get("/media/<int:owner_id>/<key>/<variant>.jpg")
@login_required
def media(owner_id, key, variant):
    if not images.is_valid_reference(key, variant) or is_blocked_between(current_user.id, owner_id):
        abort(404)
    try:
        return send_file(images.image_path(owner_id, key, variant), mimetype="image/jpeg", max_age=365 * 24 * 3600)
    except FileNotFoundError:
        abort(404)
