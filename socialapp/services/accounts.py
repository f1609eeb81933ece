"""Accounts: registration, email verification, log in, passwords, email change, deletion."""

import os
import re
import shutil

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.accounts import new_session_token
from socialapp.models.base import utcnow
from socialapp.services import tokens
from socialapp.services.errors import InvalidInput
from socialapp.services.mail import send_email
from socialapp.signals import account_deleting

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
RESERVED_USERNAMES = {"admin", "root", "support", "socialapp", "settings", "login", "logout", "me"}
MIN_PASSWORD_LENGTH = 8
MIN_PASSWORD_SCORE = 2  # zxcvbn: 0 too guessable ... 4 very unguessable


class AccountError(InvalidInput):
    """A rule was broken; `field` names the form field the message belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class NotVerified(AccountError):
    """The credentials are right but the email address is not verified yet."""


def normalize_email(raw):
    """The canonical form of an email address, or AccountError if it is not one."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(f"Enter a valid email address ({error}).", "email") from None
    return result.normalized.lower()


def check_username(username):
    if not USERNAME_RE.match(username or ""):
        raise AccountError("Usernames are 3 to 30 characters: letters, digits and underscores.", "username")
    if username.lower() in RESERVED_USERNAMES:
        raise AccountError("That username is reserved. Choose another.", "username")


def check_password(password, *user_inputs, field="password"):
    """Raise AccountError unless `password` is long and hard enough to guess."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"].get("warning") or "Add another word or two."
        raise AccountError(f"This password is too easy to guess. {hint}".strip(), field)


def find_by_username(username):
    return db.session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))


def find_by_email(email):
    return db.session.scalar(select(User).where(User.email == email))


def find_by_login(login):
    """The user whose username or email is `login`."""
    login = (login or "").strip()
    if "@" in login:
        try:
            return find_by_email(normalize_email(login))
        except AccountError:
            return None
    return find_by_username(login)


def register(first_name, last_name, username, email, password):
    """Create an unverified account and mail its verification link."""
    first_name, last_name, username = first_name.strip(), last_name.strip(), username.strip()
    check_username(username)
    email = normalize_email(email)
    check_password(password, username, email, first_name, last_name)
    if find_by_username(username):
        raise AccountError("That username is taken. Choose another.", "username")
    if find_by_email(email):
        raise AccountError("An account with this email already exists. Log in instead.", "email")
    user = User(
        first_name=first_name,
        last_name=last_name,
        username=username,
        email=email,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.commit()
    send_verification(user)
    return user


def send_verification(user):
    payload = {"uid": user.id, "fp": tokens.fingerprint(user.email, user.email_verified_at)}
    link = url_for("auth.verify", token=tokens.make_token("verify", payload), _external=True)
    send_email(user.email, "Confirm your email address", "email/verify", user=user, link=link)


def resend_verification(email):
    """Mail a new link if an unverified account has this address; say nothing either way."""
    try:
        user = find_by_email(normalize_email(email))
    except AccountError:
        return
    if user is not None and not user.is_verified:
        send_verification(user)


def verify_email(token):
    """Mark the account of a valid verification link as verified; the user, or None."""
    payload = tokens.read_token("verify", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or payload.get("fp") != tokens.fingerprint(user.email, user.email_verified_at):
        return None
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def authenticate(login, password):
    """The user whose login and password these are, or None. NotVerified when unverified."""
    user = find_by_login(login)
    if user is None or not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.is_verified:
        raise NotVerified("Confirm your email address before logging in. Check your inbox.")
    return user


def request_password_reset(email):
    """Mail a reset link if a verified account has this address; say nothing either way."""
    try:
        user = find_by_email(normalize_email(email))
    except AccountError:
        return
    if user is None:
        return
    payload = {"uid": user.id, "fp": tokens.fingerprint(user.password_hash)}
    link = url_for("auth.reset_password", token=tokens.make_token("reset", payload), _external=True)
    send_email(user.email, "Reset your password", "email/reset", user=user, link=link)


def user_for_reset(token):
    payload = tokens.read_token("reset", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or payload.get("fp") != tokens.fingerprint(user.password_hash):
        return None
    return user


def _set_password(user, password):
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()


def reset_password(user, password):
    """Set a new password from a reset link. The link also proves the address, so it verifies it."""
    check_password(password, user.username, user.email, user.first_name, user.last_name)
    _set_password(user, password)
    if not user.is_verified:
        user.email_verified_at = utcnow()
    db.session.commit()


def change_password(user, current_password, new_password):
    """Change the password; other sessions are signed out."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise AccountError("Your current password is not right.", "current_password")
    check_password(new_password, user.username, user.email, user.first_name, user.last_name, field="new_password")
    _set_password(user, new_password)
    db.session.commit()


def request_email_change(user, new_email, password):
    """Mail a confirmation link to the new address; the change happens when it is clicked."""
    if not check_password_hash(user.password_hash, password or ""):
        raise AccountError("Your password is not right.", "password")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise AccountError("That is already your email address.", "email")
    if find_by_email(new_email):
        raise AccountError("Another account uses this email address.", "email")
    user.pending_email = new_email
    db.session.commit()
    payload = {"uid": user.id, "email": new_email, "fp": tokens.fingerprint(user.email)}
    link = url_for("auth.confirm_email", token=tokens.make_token("email", payload), _external=True)
    send_email(new_email, "Confirm your new email address", "email/change", user=user, link=link)


def confirm_email_change(token):
    """Apply the email change of a valid link; the user, or None."""
    payload = tokens.read_token("email", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or payload.get("fp") != tokens.fingerprint(user.email):
        return None
    if find_by_email(payload["email"]):
        return None
    user.email = payload["email"]
    user.pending_email = None
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def delete_account(user, password):
    """Delete the account and everything it owns, after checking the password."""
    if not check_password_hash(user.password_hash, password or ""):
        raise AccountError("Your password is not right.", "password")
    account_deleting.send(current_app._get_current_object(), user=user)
    db.session.delete(user)
    db.session.commit()
    shutil.rmtree(user_media_dir(user.id), ignore_errors=True)


def user_media_dir(user_id):
    """Every file a user uploads lives under this folder, so deleting the account removes them."""
    return os.path.join(current_app.config["MEDIA_ROOT"], "u", str(user_id))
