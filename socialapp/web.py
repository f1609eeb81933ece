"""What every page shares: the signed-in user, error pages, safe redirects, template helpers."""

import functools
from urllib.parse import urlsplit

import sqlalchemy.exc
from flask import current_app, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from socialapp.extensions import db, login_manager
from socialapp.services import roles, sessions
from socialapp.services.errors import ServiceError

ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Check what you sent and try again."),
    401: ("Please log in", "You need to log in to see this."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Not found", "There is nothing here. The link may be broken, or the content was removed."),
    405: ("Not allowed", "That action is not available here."),
    409: ("Not possible now", "That cannot be done right now. Please try again in a moment."),
    413: ("Too large", "What you sent is too large. Pictures must be under the size limit."),
    422: ("Check what you sent", "Something you sent is not right. Check it and try again."),
    429: ("Slow down", "Too many attempts. Please wait a little and try again."),
    500: ("Something went wrong", "An unexpected error happened on our side. Please try again."),
    503: ("Busy right now", "The site is very busy right now. Please try again in a moment."),
}
# Seconds a client is told to wait (Retry-After) when every database connection was busy.
BUSY_RETRY_AFTER = 5
THEMES = ("auto", "light", "dark")


def is_htmx():
    """True for a request made by htmx, which wants a fragment rather than a page."""
    return request.headers.get("HX-Request") == "true"


@login_manager.user_loader
def load_user(session_id):
    # From the session cookie, or the remember-me cookie when the session is gone: both name one login.
    return sessions.user_for_session(session_id)


@login_manager.unauthorized_handler
def unauthorized():
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error="login required"), 401
    return redirect(login_url)


def role_required(role):
    """A route for `role` and above (services/roles.py): visitors are sent to log in, others get 403."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            roles.require_role(current_user, role)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorate


def safe_next(target, default="main.index"):
    """`target` if it is a path on this site, else the default page: no open redirects."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(default)


def redirect_page(location):
    """A redirect after a form post, also when htmx sent the form: htmx (and the XMLHttpRequest app.js
    uses for uploads) would follow a 302 itself and swap the next page into the form, so it is told to
    load that page instead (HX-Redirect)."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location)


def render_error(code, message=None, page="errors/error.html", render=render_template):
    """The error page, or for htmx a toast. `page` and `render` for an answer that must not ask the
    database (database_busy)."""
    title, default_message = ERROR_TEXT.get(code, ERROR_TEXT[500])
    message = message or default_message
    if is_htmx():
        # Shown as a toast instead of replacing whatever the request was aimed at.
        response = make_response(render("_partials/toast.html", title=title, message=message), code)
        response.headers["HX-Retarget"] = "#toasts"
        response.headers["HX-Reswap"] = "beforeend"
        return response
    return make_response(render(page, code=code, title=title, message=message), code)


def _render_alone(name, **context):
    """A template rendered without the context processors, which read the signed-in user."""
    return current_app.jinja_env.get_template(name).render(**context)


def register_web(app):
    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        description = None
        if error.code in (400, 403, 404) and error.description != type(error).description:
            description = error.description
        elif isinstance(error, RateLimitExceeded) and error.limit.error_message:
            description = error.description  # a limit's own words (per_account's error_message)
        return render_error(error.code, description)

    @app.errorhandler(ServiceError)
    def service_error(error):
        # Whatever the refused request had started is not kept.
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Your form expired. Reload the page and try again.")

    @app.errorhandler(sqlalchemy.exc.TimeoutError)
    def database_busy(error):
        # Every connection of this worker's pool stayed busy for the pool's timeout: more requests than
        # the database can take. Said as such (a 503 the client may retry), not as the server's bug.
        current_app.logger.warning("database busy: %s", error)
        g.database_busy = True
        db.session.rollback()
        response = render_error(503, page="errors/busy.html", render=_render_alone)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)

    @app.context_processor
    def page_globals():
        theme = request.cookies.get("theme", "auto")
        return {"theme": theme if theme in THEMES else "auto", "themes": THEMES, "is_htmx": is_htmx()}

    @app.after_request
    def vary_on_htmx(response):
        # Pages and fragments share URLs, so caches must key on the header that tells them apart.
        response.vary.add("HX-Request")
        return response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()"
        )
        if app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
