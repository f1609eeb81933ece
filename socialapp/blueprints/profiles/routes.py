"""Profiles: the profile page, set-up after sign-up, editing, pictures."""

import os

from flask import Blueprint, abort, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

from socialapp.services import accounts

bp = Blueprint("profiles", __name__)


@bp.get("/u/<username>")
@login_required
def show(username):
    user = accounts.find_by_username(username)
    if user is None:
        abort(404)
    return render_template("profiles/show.html", user=user)


@bp.get("/welcome")
@login_required
def setup():
    return redirect(url_for("profiles.edit"))


@bp.get("/settings/profile")
@login_required
def edit():
    return render_template("profiles/show.html", user=current_user)


@bp.get("/media/pictures/<key>/<variant>.jpg")
@login_required
def picture(key, variant):
    if variant not in ("avatar", "thumb") or not key.replace("-", "").isalnum():
        abort(404)
    folder = os.path.join(current_app.config["MEDIA_ROOT"], "pictures")
    return send_from_directory(folder, f"{key}-{variant}.jpg", max_age=365 * 24 * 3600)
