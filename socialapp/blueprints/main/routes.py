"""The home page and site-wide settings."""

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from socialapp.services import health as health_checks
from socialapp.services import social
from socialapp.web import THEMES

bp = Blueprint("main", __name__)
SUGGESTIONS_SHOWN = 5  # in the home page's "Who to follow" box


def safe_next(target, default="main.index"):
    """`target` if it is a path on this site, else the default page: no open redirects."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(default)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    from socialapp.blueprints.posts.routes import home_context

    return render_template(
        "main/home.html",
        suggested=social.suggestions_box(current_user, SUGGESTIONS_SHOWN),
        **home_context(request.args.get("cursor")),
    )


@bp.get("/healthz")
def health():
    """For load balancers and monitors: 200 when the database answers ("degraded" when Redis does not),
    503 when the database does not."""
    status, checks, code = health_checks.report()
    return jsonify(status=status, checks=checks), code


@bp.post("/theme")
def set_theme():
    theme = request.form.get("theme", "auto")
    response = redirect(safe_next(request.form.get("next")))
    if theme in THEMES:
        response.set_cookie("theme", theme, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
