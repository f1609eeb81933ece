"""Profiles: the fields people fill in about themselves, and their picture."""

from urllib.parse import urlsplit

import pycountry

from socialapp.extensions import db
from socialapp.models.accounts import SOCIAL_LINKS
from socialapp.services import images

PICTURE_VARIANTS = {"avatar": (256, 256, True), "thumb": (64, 64, True)}
TEXT_LIMITS = {"first_name": 50, "last_name": 50, "bio": 160, "about": 2000, "address": 200}
LINK_FIELDS = [key for key, _ in SOCIAL_LINKS]
EDITABLE = [*TEXT_LIMITS, "country", *LINK_FIELDS]
REQUIRED = {"first_name", "last_name"}


class ProfileError(ValueError):
    """One or more fields are wrong: `errors` maps field name to message."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def country_choices():
    """(code, name) for every country, sorted by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def country_name(code):
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else ""


def _clean_link(value):
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("Enter a full web address starting with http:// or https://.")
    if len(value) > 300:
        raise ValueError("Web addresses must be under 300 characters.")
    return value


def _clean(name, value):
    value = (value or "").strip()
    if name in TEXT_LIMITS:
        if name in REQUIRED and not value:
            raise ValueError("This field is required.")
        if len(value) > TEXT_LIMITS[name]:
            raise ValueError(f"Use at most {TEXT_LIMITS[name]} characters.")
        return value
    if name == "country":
        if value and not pycountry.countries.get(alpha_2=value.upper()):
            raise ValueError("Choose a country from the list.")
        return value.upper()
    return _clean_link(value)


def update_profile(user, **fields):
    """Set the given profile fields (empty clears), all or nothing; ProfileError lists what is wrong."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise KeyError(name)
        try:
            cleaned[name] = _clean(name, value)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise ProfileError(errors)
    for name, value in cleaned.items():
        setattr(user, name, value)
    db.session.commit()


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
