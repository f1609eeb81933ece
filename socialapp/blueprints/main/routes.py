"""The home page and site-wide settings."""

from flask import Blueprint, jsonify, redirect, render_template, request
from flask_login import current_user

from socialapp.blueprints.posts.routes import home_context
from socialapp.services import chat, social
from socialapp.services import health as health_checks
from socialapp.web import THEMES, safe_next

bp = Blueprint("main", __name__)
SUGGESTIONS_SHOWN = 5  # in the home page's "Who to follow" box
ONLINE_SHOWN = 10  # in its "Online now" box


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return render_template(
        "main/home.html",
        suggested=social.suggestions_box(current_user, SUGGESTIONS_SHOWN),
        online_people=chat.online_contacts(current_user.id, ONLINE_SHOWN),
        **home_context(request.args.get("cursor")),
    )


@bp.get("/healthz")
def health():
    """For load balancers and monitors (docs/deploy.md, "Health"): JSON with the overall status and each
    check's; 200 while the database answers, 503 when it does not."""
    status, checks, code = health_checks.report()
    return jsonify(status=status, checks=checks), code


@bp.post("/theme")
def set_theme():
    theme = request.form.get("theme", "auto")
    response = redirect(safe_next(request.form.get("next")))
    if theme in THEMES:
        response.set_cookie("theme", theme, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
