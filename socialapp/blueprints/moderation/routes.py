"""Reporting a post, comment, profile or chat message: a page with a form, which works without JavaScript."""

from flask import render_template
from flask_login import current_user, login_required

from socialapp.blueprints.moderation import bp, forms
from socialapp.extensions import per_account
from socialapp.services import moderation
from socialapp.services.errors import InvalidInput, NotFound

SUBJECT_TYPES = moderation.SUBJECT_TYPES


def _reportable(subject_type, subject_id):
    if subject_type not in SUBJECT_TYPES:
        raise NotFound(moderation.NO_SUCH_THING)
    return moderation.reportable(current_user, subject_type, subject_id)


def render_report_page(form, subject_type, subject, author, status=200, sent=False):
    context = {
        "form": form,
        "subject_type": subject_type,
        "subject": subject,
        "author": author,
        "what": moderation.SUBJECT_NAMES[subject_type],
        "sent": sent,
    }
    return render_template("moderation/report.html", **context), status


@bp.get("/report/<subject_type>/<int:subject_id>")
@login_required
def report(subject_type, subject_id):
    subject, author = _reportable(subject_type, subject_id)
    return render_report_page(forms.ReportForm(), subject_type, subject, author)


@bp.post("/report/<subject_type>/<int:subject_id>")
@login_required
@per_account("REPORT_RATE_LIMIT")
def send_report(subject_type, subject_id):
    subject, author = _reportable(subject_type, subject_id)
    form = forms.ReportForm()
    if not form.validate_on_submit():
        return render_report_page(form, subject_type, subject, author, 422)
    try:
        moderation.report(current_user, subject_type, subject_id, form.reason.data, form.note.data)
    except InvalidInput as error:
        form.note.errors = [*form.note.errors, error.message]
        return render_report_page(form, subject_type, subject, author, 422)
    return render_report_page(form, subject_type, subject, author, 201, sent=True)


@bp.get("/reports/<int:report_id>")
@login_required
def my_report(report_id):
    """The person's own report and what the moderators decided (their notification links here)."""
    found, author, outcome = moderation.own_report(current_user, report_id)
    return render_template(
        "moderation/my_report.html",
        report=found,
        author=author,
        outcome=outcome,
        label=moderation.subject_label(found, author),
        reasons=moderation.REASONS,
    )
