"""Profiles: the fields people fill in about themselves, and their picture."""

import re
from urllib.parse import urlsplit

import pycountry

from socialapp.extensions import db
from socialapp.models.accounts import SOCIAL_LINKS
from socialapp.services import images
from socialapp.services.errors import InvalidInput

PICTURE_VARIANTS = {"avatar": (256, 256, True), "thumb": (64, 64, True)}
TEXT_LIMITS = {"first_name": 50, "last_name": 50, "bio": 160, "about": 2000, "address": 200}
LINK_FIELDS = [key for key, _ in SOCIAL_LINKS]
LINK_LIMIT = 300
EDITABLE = [*TEXT_LIMITS, "country", *LINK_FIELDS]
REQUIRED = {"first_name", "last_name"}
MULTILINE = {"about"}
# Control characters break layouts and PostgreSQL refuses NUL outright; tabs and newlines are kept.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
LINK_MESSAGE = "Enter a full web address starting with http:// or https://."


class ProfileError(InvalidInput):
    """One or more fields are wrong: `errors` maps field name (or "picture") to message."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def country_choices():
    """(code, name) for every country, sorted by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def country_name(code):
    """The English name of an ISO 3166 alpha-2 code, or "" for an empty or unknown one."""
    country = pycountry.countries.get(alpha_2=code) if code and len(code) == 2 else None
    return country.name if country else ""


def _clean_link(value):
    if not value:
        return ""
    if len(value) > LINK_LIMIT:
        raise ValueError(f"Web addresses must be at most {LINK_LIMIT} characters.")
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # .port raises on a malformed port
    except ValueError:
        raise ValueError(LINK_MESSAGE) from None
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
        raise ValueError(LINK_MESSAGE)
    return value


def _clean_text(name, value):
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if name not in MULTILINE:
        value = " ".join(value.split("\n"))
    value = CONTROL_RE.sub("", value).strip()
    if name in REQUIRED and not value:
        raise ValueError("This field is required.")
    if len(value) > TEXT_LIMITS[name]:
        raise ValueError(f"Use at most {TEXT_LIMITS[name]} characters.")
    return value


def _clean(name, value):
    value = (value or "").strip()
    if name in TEXT_LIMITS:
        return _clean_text(name, value)
    if name == "country":
        if value and not country_name(value.upper()):
            raise ValueError("Choose a country from the list.")
        return value.upper()
    return _clean_link(CONTROL_RE.sub("", value))


def _clean_all(fields):
    cleaned, errors = {}, {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise KeyError(name)
        try:
            cleaned[name] = _clean(name, value)
        except ValueError as error:
            errors[name] = str(error)
    return cleaned, errors


def save_profile(user, fields, picture=None):
    """Set profile `fields` (an empty value clears one) and, if given, a new picture: all or nothing.

    Raises ProfileError naming every bad field, with "picture" for an upload Pillow refuses;
    then nothing is saved.
    """
    cleaned, errors = _clean_all(fields)
    new_key = None
    if picture is not None:
        try:
            new_key = images.store_image(picture, user.id, PICTURE_VARIANTS)
        except images.ImageError as error:
            errors["picture"] = error.message
    if errors:
        images.delete_image(user.id, new_key)
        raise ProfileError(errors)
    for name, value in cleaned.items():
        setattr(user, name, value)
    old_key = user.avatar_key
    if new_key:
        user.avatar_key = new_key
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        images.delete_image(user.id, new_key)
        raise
    if new_key:
        images.delete_image(user.id, old_key)


def update_profile(user, **fields):
    """Set the given profile fields (empty clears), all or nothing; ProfileError lists what is wrong."""
    save_profile(user, fields)


def clear_field(user, name):
    """Empty one optional field."""
    if name in REQUIRED or name not in EDITABLE:
        raise ProfileError({name: "This field cannot be emptied."})
    update_profile(user, **{name: ""})


def set_picture(user, upload):
    """Store a new profile picture and drop the old one. Raises images.ImageError."""
    key = images.store_image(upload, user.id, PICTURE_VARIANTS)
    old = user.avatar_key
    user.avatar_key = key
    db.session.commit()
    images.delete_image(user.id, old)


def remove_picture(user):
    """Go back to the generated initials avatar."""
    old = user.avatar_key
    user.avatar_key = None
    db.session.commit()
    images.delete_image(user.id, old)
