"""Reporting a post, comment, profile or chat message."""

from flask import abort
from flask_login import login_required

from socialapp.blueprints.moderation import bp

SUBJECT_TYPES = ("post", "comment", "user", "message")


@bp.get("/report/<subject_type>/<int:subject_id>")
@login_required
def report(subject_type, subject_id):
    abort(404)
