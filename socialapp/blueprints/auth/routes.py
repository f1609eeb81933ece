"""Registration, email verification, log in and out, passwords, email change, export, deletion."""

import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from socialapp.blueprints.auth import forms
from socialapp.extensions import limiter, per_account
from socialapp.services import accounts, export, instance, invitations, sessions
from socialapp.services.accounts import AccountError, NotVerified, Suspended
from socialapp.web import safe_next

bp = Blueprint("auth", __name__)

ACCOUNT_LIMIT = "10 per minute; 100 per hour"
MAIL_LIMIT = "5 per minute; 20 per hour"
# Failed logins per account, from any number of addresses: guessing one person's password from many
# machines stays slow, and a person who gets it right is never held back.
ACCOUNT_LOGIN_LIMIT = "10 per 15 minutes; 50 per day"


def submitted_login():
    """The rate-limit key of a login attempt: the username or address typed, as the account is found by it."""
    return "login:" + (request.form.get("login") or "").strip().lower()


def login_failed(response):
    return response.status_code == 401


def form_error(form, error):
    """Put each problem of a service's AccountError on the field it names (or on the form) and return 422.
    `error` may be None (nothing more to show)."""
    for name, message in error.problems if error else ():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = [*field.errors, message]
    return 422


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = forms.RegisterForm()
    status = 200
    if form.validate_on_submit():
        # Only the browser holding this may be logged in by the verification link.
        session["signup"] = accounts.new_browser_secret()
        try:
            email = accounts.register(
                form.first_name.data,
                form.last_name.data,
                form.username.data,
                form.email.data,
                form.password.data,
                browser=session["signup"],
                invitation=session.get("invitation"),
                time_zone=form.time_zone.data,
            )
        except instance.JoinRefused as error:
            form_error(form, error)
            status = error.status
        except AccountError as error:
            status = form_error(form, error)
        else:
            session.pop("invitation", None)
            return render_template("auth/check_email.html", email=email)
    elif form.is_submitted():
        # The service's rules are told with the form's, so every mistake shows on the first submit.
        fields = ("first_name", "last_name", "username", "email", "password")
        status = form_error(form, accounts.registration_problems(*(form[name].data for name in fields)))
    notice = instance.join_notice(invitations.usable(session.get("invitation")) is not None)
    return render_template("auth/register.html", form=form, join_notice=notice), status


@bp.get("/verify/<token>")
def verify(token):
    user, same_browser = accounts.verify_email(token, session.get("signup"))
    if user is None:
        flash("That confirmation link is invalid, expired or already used. Log in, or ask for a new one.", "error")
        return redirect(url_for("auth.resend"))
    if not same_browser:
        flash("Your email address is confirmed. Log in to continue.", "success")
        return redirect(url_for("auth.login", next=url_for("profiles.setup")))
    session.pop("signup", None)
    login_user(sessions.start_session(user))
    flash("Your email address is confirmed. Welcome!", "success")
    return redirect(url_for("profiles.setup"))


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def resend():
    form = forms.EmailOnlyForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        accounts.resend_verification(form.email.data, session.get("signup"))
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/resend.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_LIMIT, methods=["POST"])
@limiter.limit(ACCOUNT_LOGIN_LIMIT, methods=["POST"], key_func=submitted_login, deduct_when=login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = forms.LoginForm()
    unverified_email = None
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.login.data, form.password.data)
        except NotVerified as error:
            form.form_errors.append(error.message)
            unverified_email = accounts.find_by_login(form.login.data).email
            status = 403
        except Suspended as error:
            form.form_errors.append(error.message)
            status = 403
        else:
            if user is not None:
                accounts.set_time_zone(user, form.time_zone.data, detected=True)
                login_user(sessions.start_session(user), remember=form.remember.data)
                return redirect(safe_next(request.args.get("next")))
            form.form_errors.append("The username, email or password is not right.")
            status = 401
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form, unverified_email=unverified_email), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sessions.end_session(current_user)  # the cookies, copied or not, name a login that no longer exists
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def forgot_password():
    form = forms.EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_template("auth/forgot.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_LIMIT, methods=["POST"])
def reset_password(token):
    user = accounts.user_for_reset(token)
    if user is None:
        flash("That reset link is invalid, expired or already used. Ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = forms.ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except AccountError as error:
            status = form_error(form, error)
        else:
            flash("Your password is changed. Log in with the new one.", "success")
            return redirect(url_for("auth.login"))
    elif form.is_submitted():
        status = form_error(form, accounts.password_problems(user, form.password.data))
    return render_template("auth/reset.html", form=form), status


@bp.get("/settings")
@login_required
def settings():
    return render_settings()


def render_settings(status=200, **forms_given):
    context = {
        "password_form": forms.ChangePasswordForm(prefix="pw"),
        "email_form": forms.ChangeEmailForm(prefix="em"),
        "delete_form": forms.DeleteAccountForm(prefix="del"),
        "zone_form": forms.TimeZoneForm(prefix="tz", time_zone=current_user.time_zone),
        "may_invite": invitations.may_invite(current_user),
    }
    context.update(forms_given)
    return render_template("auth/settings.html", **context), status


@bp.post("/settings/password")
@login_required
def change_password():
    form = forms.ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit():
        problems = accounts.change_password_problems(current_user, form.current_password.data, form.new_password.data)
        return render_settings(form_error(form, problems), password_form=form)
    try:
        accounts.change_password(current_user, form.current_password.data, form.new_password.data)
    except AccountError as error:
        return render_settings(form_error(form, error), password_form=form)
    flash("Your password is changed. Other sessions are logged out.", "success")
    return redirect(url_for("auth.settings"))


@bp.post("/settings/time-zone")
@login_required
def change_time_zone():
    form = forms.TimeZoneForm(prefix="tz")
    if not form.validate_on_submit():
        return render_settings(422, zone_form=form)
    accounts.set_time_zone(current_user, form.time_zone.data)
    flash(f"Times are now shown in {form.time_zone.data.replace('_', ' ')}.", "success")
    return redirect(url_for("auth.settings"))


@bp.post("/settings/email")
@login_required
@limiter.limit(MAIL_LIMIT)
def change_email():
    form = forms.ChangeEmailForm(prefix="em")
    if not form.validate_on_submit():
        # The service's rules are told with the form's, so every mistake shows on the first submit.
        problems = accounts.email_change_problems(current_user, form.email.data, form.password.data)
        return render_settings(form_error(form, problems), email_form=form)
    try:
        accounts.request_email_change(current_user, form.email.data, form.password.data)
    except AccountError as error:
        return render_settings(form_error(form, error), email_form=form)
    flash(f"We sent a link to {current_user.pending_email}. Your email changes when you click it.", "success")
    return redirect(url_for("auth.settings"))


@bp.get("/settings/email/confirm/<token>")
def confirm_email(token):
    user = accounts.confirm_email_change(token)
    if user is None:
        abort(400, "That confirmation link is invalid, expired or already used.")
    flash(f"Your email address is now {user.email}.", "success")
    return redirect(url_for("auth.settings") if current_user.is_authenticated else url_for("auth.login"))


def export_limited():
    limit = current_app.config["EXPORT_RATE_LIMIT"]
    return f"You have exported your data as often as is allowed for now ({limit}). Please try again later."


@bp.post("/settings/export")
@login_required
@per_account("EXPORT_RATE_LIMIT", error_message=export_limited)
def export_data():
    archive = export.export_archive(current_user)
    response = send_file(
        archive, mimetype="application/zip", as_attachment=True, download_name=export.export_filename(current_user)
    )
    response.content_length = os.fstat(archive.fileno()).st_size
    response.headers["Cache-Control"] = "no-store"  # private data: no cache keeps a copy
    return response


@bp.post("/settings/delete")
@login_required
def delete_account():
    form = forms.DeleteAccountForm(prefix="del")
    if not form.validate_on_submit():
        problems = accounts.delete_account_problems(current_user, form.password.data) if form.password.data else None
        return render_settings(form_error(form, problems), delete_form=form)
    try:
        accounts.delete_account(current_user._get_current_object(), form.password.data)
    except AccountError as error:
        return render_settings(form_error(form, error), delete_form=form)
    logout_user()
    flash("Your account and everything in it are deleted.", "success")
    return redirect(url_for("main.index"))
