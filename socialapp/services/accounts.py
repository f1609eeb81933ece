"""Accounts: registration, email verification, log in, passwords, email change, deletion."""

import functools
import os
import re
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from socialapp import localtime
from socialapp.extensions import db
from socialapp.models import User
from socialapp.models.base import utcnow
from socialapp.services import instance, invitations, roles, sessions, storage, tokens
from socialapp.services.errors import InvalidInput
from socialapp.services.mail import send_email, site_url
from socialapp.signals import account_deleting

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
RESERVED_USERNAMES = {"admin", "root", "support", "socialapp", "settings", "login", "logout", "me"}
MIN_PASSWORD_LENGTH = 8
MIN_PASSWORD_SCORE = 2  # zxcvbn: 0 too guessable ... 4 very unguessable
# zxcvbn refuses to score more than this many characters; a longer password is scored on its start.
ZXCVBN_MAX = 72


class AccountError(InvalidInput):
    """A rule was broken; `field` names the form field the message belongs to. `problems` holds every
    (field, message) found at once, so a form can show them all together."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field
        self.problems = [(field, message)]

    @classmethod
    def gather(cls, errors):
        """One AccountError carrying every problem of `errors`, or None when there are none."""
        if not errors:
            return None
        combined = cls(errors[0].message, errors[0].field)
        combined.problems = [problem for error in errors for problem in error.problems]
        return combined


def _collect(*checks):
    """The AccountErrors raised by each of `checks` (functions without arguments), in order."""
    errors = []
    for check in checks:
        try:
            check()
        except AccountError as error:
            errors.append(error)
    return errors


class NotVerified(AccountError):
    """The credentials are right but the email address is not verified yet."""


class Suspended(AccountError):
    """The credentials are right but a moderator suspended the account (services/moderation.py)."""

    status = 403


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
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"].get("warning") or "Add another word or two."
        raise AccountError(f"This password is too easy to guess. {hint}".strip(), field)


@functools.cache
def _by_username_stmt():
    # Built once, with a parameter: every page and action about a person by name asks it.
    return select(User).where(func.lower(User.username) == bindparam("username", type_=String))


def find_by_username(username):
    return db.session.scalar(_by_username_stmt(), {"username": (username or "").lower()})


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


def registration_problems(first_name, last_name, username, email, password):
    """Every rule a registration breaks, as one AccountError (None when it breaks none). Empty values are
    left to the form, which asks for them."""
    first_name, last_name, username = (first_name or "").strip(), (last_name or "").strip(), (username or "").strip()
    checks = []
    if username:
        checks.append(lambda: check_username(username))
        checks.append(lambda: _check_username_free(username))
    if email:
        checks.append(lambda: normalize_email(email))
    if password:
        checks.append(lambda: check_password(password, username, email, first_name, last_name))
    return AccountError.gather(_collect(*checks))


def _check_username_free(username):
    if USERNAME_RE.match(username) and find_by_username(username):
        raise AccountError("That username is taken. Choose another.", "username")


def register(first_name, last_name, username, email, password, browser=None, invitation=None, time_zone=None):
    """Create an unverified account and mail its verification link; the normalised address.

    An address that already has an account gets a mail saying so instead, and the answer is the same, so
    the form tells nobody which addresses are registered. `browser` is a secret kept in the registering
    browser's session: only a browser holding it is logged in by the link (see verify_email).
    The instance's join mode decides who may register (instance.admit, which raises JoinRefused);
    `invitation` is the code of the invitation link the person came with, which loses one use.
    `time_zone` is the zone the browser reported; an unknown one leaves the default (UTC).
    """
    problems = registration_problems(first_name, last_name, username, email, password)
    if problems:
        raise problems
    first_name, last_name, username = first_name.strip(), last_name.strip(), username.strip()
    email = normalize_email(email)
    instance.admit(email, invitations.usable(invitation) is not None)
    # Hashed before looking the address up, so that both answers take as long.
    password_hash = generate_password_hash(password)
    existing = find_by_email(email)
    if existing is None:
        user = User(
            first_name=first_name,
            last_name=last_name,
            username=username,
            email=email,
            password_hash=password_hash,
            time_zone=localtime.valid_zone(time_zone) or localtime.DEFAULT_ZONE,
        )
        existing = _add_unless_taken(user)
        if existing is None:
            _spend_invitation(invitation)
            send_verification(user, browser)
            return email
    _mail_existing_account(existing)
    return email


def _add_unless_taken(user):
    """Add `user`; if another request registered the same name or address at the same moment, raise for the
    name or return that other account."""
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if find_by_username(user.username):
            raise AccountError("That username is taken. Choose another.", "username") from None
        existing = find_by_email(user.email)
        if existing is None:
            raise
        return existing
    if roles.is_first_account(user):
        user.role = "admin"
    return None


def _spend_invitation(code):
    """Take one use of the invitation the new account came with; refuse if another sign-up took the last one."""
    if code and not invitations.spend(code) and instance.join_settings()["mode"] == instance.INVITATION:
        db.session.rollback()
        raise instance.JoinRefused("That invitation link has just been used up: ask for another.")


def _mail_existing_account(user):
    links = {"login_link": site_url("auth.login"), "reset_link": site_url("auth.forgot_password")}
    send_email(user.email, "You already have an account", "email/existing_account", user=user, **links)


def send_verification(user, browser=None):
    """Mail `user` a link that verifies their address (and logs in the browser that holds `browser`)."""
    payload = {"uid": user.id, "fp": tokens.fingerprint(user.email, user.email_verified_at)}
    if browser:
        payload["b"] = tokens.fingerprint(browser)
    link = site_url("auth.verify", token=tokens.make_token("verify", payload))
    send_email(user.email, "Confirm your email address", "email/verify", user=user, link=link)


def resend_verification(email, browser=None):
    """Mail a new link if an unverified account has this address; say nothing either way."""
    try:
        user = find_by_email(normalize_email(email))
    except AccountError:
        return
    if user is not None and not user.is_verified:
        send_verification(user, browser)


def new_browser_secret():
    """A value for the registering browser's session, matched by its verification link."""
    return secrets.token_urlsafe(16)


def verify_email(token, browser=None):
    """Mark the account of a valid verification link as verified.

    Returns (user, same_browser): same_browser is True only when `browser`, the secret in the session of
    the browser opening the link, is the one the link was made for. Only then may the link log in:
    otherwise a link to someone else's fresh account would log whoever opens it into that account.
    (None, False) for a link that is forged, expired or already used.
    """
    payload = tokens.read_token("verify", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or payload.get("fp") != tokens.fingerprint(user.email, user.email_verified_at):
        return None, False
    user.email_verified_at = utcnow()
    db.session.commit()
    same_browser = bool(browser) and payload.get("b") == tokens.fingerprint(browser)
    return user, same_browser


@functools.cache
def _unknown_user_hash():
    # Checked against when nobody has the login, so that a wrong login costs as much as a wrong password
    # and the time of the answer does not tell which usernames and addresses exist.
    return generate_password_hash(secrets.token_urlsafe(16))


def set_time_zone(user, name, detected=False):
    """Show `user` times in zone `name`. A zone the browser detected (at login) is taken when known and ignored
    otherwise; a chosen one must be known. Commits."""
    zone = localtime.valid_zone(name)
    if zone is None:
        if detected:
            return
        raise AccountError("Choose a time zone from the list.", "time_zone")
    if user.time_zone != zone:
        user.time_zone = zone
        db.session.commit()


def authenticate(login, password):
    """The user whose login and password these are, or None. NotVerified when unverified, Suspended when
    suspended: only to someone who knows the password, so nobody else learns of a suspension."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_unknown_user_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.is_verified:
        raise NotVerified("Confirm your email address before logging in. Check your inbox.")
    if user.is_suspended:
        reason = f" Reason: {user.suspended_reason}" if user.suspended_reason else ""
        raise Suspended(f"This account is suspended by the moderators.{reason}")
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
    link = site_url("auth.reset_password", token=tokens.make_token("reset", payload))
    send_email(user.email, "Reset your password", "email/reset", user=user, link=link)


def user_for_reset(token):
    payload = tokens.read_token("reset", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or payload.get("fp") != tokens.fingerprint(user.password_hash):
        return None
    return user


def _set_password(user, password):
    """New password: every other login ends, and so does an email change asked for before it."""
    user.password_hash = generate_password_hash(password)
    user.pending_email = None
    sessions.end_other_sessions(user)


def reset_password(user, password):
    """Set a new password from a reset link, logging out every login. The link also proves the address,
    so it verifies it."""
    check_new_password(user, password)
    user.session_key = None
    _set_password(user, password)
    if not user.is_verified:
        user.email_verified_at = utcnow()
    db.session.commit()


def change_password(user, current_password, new_password):
    """Change the password; other sessions are signed out. A wrong current password and a weak new one
    are told together."""
    problems = change_password_problems(user, current_password, new_password)
    if problems:
        raise problems
    _set_password(user, new_password)
    db.session.commit()


def change_password_problems(user, current_password, new_password):
    """Every rule a password change breaks, as one AccountError, or None. An empty new password is left to
    the form."""

    def check_current():
        if not check_password_hash(user.password_hash, current_password or ""):
            raise AccountError("Your current password is not right.", "current_password")

    checks = [check_current]
    if new_password:
        checks.append(lambda: check_new_password(user, new_password, field="new_password"))
    return AccountError.gather(_collect(*checks))


def password_problems(user, password):
    """What is wrong with `password` as `user`'s new one, as an AccountError, or None (empty is left to the
    form)."""
    return AccountError.gather(_collect(lambda: check_new_password(user, password))) if password else None


def check_new_password(user, password, field="password"):
    """Raise AccountError unless `password` is strong enough for `user` (whose names it must not lean on)."""
    check_password(password, user.username, user.email, user.first_name, user.last_name, field=field)


def _email_change_fingerprint(user):
    # The pending address is part of it: a newer request makes every older link stale.
    return tokens.fingerprint(user.email, user.pending_email)


def request_email_change(user, new_email, password):
    """Mail a confirmation link to the new address, and a notice to the current one; the change happens
    when the link is clicked. Only the newest request's link works."""
    problems = email_change_problems(user, new_email, password)
    if problems or not password:
        raise problems or AccountError("Your password is not right.", "password")
    new_email = normalize_email(new_email)
    user.pending_email = new_email
    payload = {"uid": user.id, "email": new_email, "fp": _email_change_fingerprint(user)}
    link = site_url("auth.confirm_email", token=tokens.make_token("email", payload))
    send_email(new_email, "Confirm your new email address", "email/change", user=user, link=link)
    reset_link = site_url("auth.forgot_password")
    send_email(
        user.email, "Your email address is being changed", "email/change_notice", user=user, reset_link=reset_link
    )


def email_change_problems(user, new_email, password):
    """Every rule an email change breaks, as one AccountError, or None; empty values are left to the form.
    Whether another account has the address is told only with the right password, so that a session left
    open does not reveal who has an account."""

    def check_password_given():
        if not check_password_hash(user.password_hash, password or ""):
            raise AccountError("Your password is not right.", "password")

    def check_address():
        address = normalize_email(new_email)
        if address == user.email:
            raise AccountError("That is already your email address.", "email")
        if not password_wrong and find_by_email(address):
            raise AccountError("Another account uses this email address.", "email")

    errors = _collect(check_password_given) if password else []
    password_wrong = not password or bool(errors)
    if new_email:
        errors += _collect(check_address)
    return AccountError.gather(errors)


def confirm_email_change(token):
    """Apply the email change of a valid link; the user, or None."""
    payload = tokens.read_token("email", token)
    user = payload and db.session.get(User, payload.get("uid"))
    if not user or user.pending_email != payload.get("email"):
        return None
    if payload.get("fp") != _email_change_fingerprint(user) or find_by_email(payload["email"]):
        return None
    user.email = payload["email"]
    user.pending_email = None
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def delete_account(user, password):
    """Delete the account and everything it owns, after checking the password."""
    problems = delete_account_problems(user, password)
    if problems:
        raise problems
    remove_account(user)


def remove_account(user):
    """Delete `user`'s account and everything it owns (files too), and commit: for the person themselves
    (`delete_account`, after their password) or for an admin (moderation.delete_person)."""
    account_deleting.send(current_app._get_current_object(), user=user)
    db.session.delete(user)
    db.session.commit()
    storage.media().delete_prefix(storage.media_prefix(user.id))


def delete_account_problems(user, password):
    """What stops `user` deleting their account with `password`, as an AccountError, or None."""
    if check_password_hash(user.password_hash, password or ""):
        return None
    return AccountError("Your password is not right.", "password")


def user_media_dir(user_id):
    """The folder of a user's files in local storage (storage.media_prefix names them in any store)."""
    return os.path.join(current_app.config["MEDIA_ROOT"], "u", str(user_id))
