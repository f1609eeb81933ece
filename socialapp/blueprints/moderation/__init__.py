"""Moderation: reporting content, and the admin pages where moderators and admins act on it."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from socialapp.blueprints.moderation import admin, routes  # noqa: E402, F401
