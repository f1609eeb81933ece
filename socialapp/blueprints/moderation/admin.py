"""The moderation pages: the reports queue, people (suspend, unsuspend, role, delete) and the audit log.

Every route checks the role on the server (`role_required`); the services check it again, and also who may
act on whom (services/moderation.py).
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from socialapp.blueprints.moderation import bp, forms
from socialapp.inputs import id_arg
from socialapp.services import audit, moderation, roles
from socialapp.services.errors import InvalidInput
from socialapp.web import role_required

QUERY_LIMIT = 100


@bp.get("/admin")
@role_required("moderator")
def index():
    return render_template("moderation/index.html", open_reports=moderation.open_count())


# ---- Reports ------------------------------------------------------------------------------------------


@bp.get("/admin/reports")
@role_required("moderator")
def reports():
    rows, next_after = moderation.queue(id_arg("after"))
    return render_template(
        "moderation/reports.html",
        rows=rows,
        next_after=next_after,
        reasons=moderation.REASONS,
        subject_names=moderation.SUBJECT_NAMES,
    )


def render_report(found, form, status=200, problem=None):
    seen = moderation.reported_content(found)
    context = {
        "report": found,
        "problem": problem,
        "seen": seen,
        "form": form,
        "label": moderation.subject_label(found, seen["author"]),
        "reasons": moderation.REASONS,
        "may_suspend": moderation.may_suspend(current_user, seen["author"]),
    }
    return render_template("moderation/report_review.html", **context), status


@bp.get("/admin/reports/<int:report_id>")
@role_required("moderator")
def review(report_id):
    return render_report(moderation.get_report(current_user, report_id), forms.ResolveForm())


@bp.post("/admin/reports/<int:report_id>")
@role_required("moderator")
def resolve(report_id):
    found = moderation.get_report(current_user, report_id)
    form = forms.ResolveForm()
    if not form.validate_on_submit():
        return render_report(found, form, 422)
    try:
        moderation.resolve(current_user, report_id, form.outcome.data, form.reason.data)
    except InvalidInput as error:
        return render_report(found, form, 422, problem=error.message)
    flash(f"Report resolved: {forms.OUTCOME_LABELS[form.outcome.data].split(':')[0].lower()}.", "success")
    return redirect(url_for("moderation.reports"))


# ---- People -------------------------------------------------------------------------------------------


@bp.get("/admin/people")
@role_required("moderator")
def people():
    query = request.args.get("q", "")[:QUERY_LIMIT]
    found, next_after = moderation.people(current_user, query, request.args.get("after", "")[:QUERY_LIMIT])
    return render_template("moderation/people.html", people=found, query=query, next_after=next_after)


def render_person(person, status=200, problem=None, **forms_given):
    context = {
        "person": person,
        "problem": problem,
        "counts": moderation.summary(person),
        "open_reports": moderation.open_reports_about(person),
        "may_suspend": moderation.may_suspend(current_user, person),
        "is_admin": roles.has_role(current_user, "admin"),
        "suspend_form": forms_given.get("suspend_form") or forms.SuspendForm(formdata=None),
        "unsuspend_form": forms_given.get("unsuspend_form") or forms.UnsuspendForm(formdata=None),
        "role_form": forms_given.get("role_form") or forms.RoleForm(formdata=None, data={"role": person.role}),
        "delete_form": forms_given.get("delete_form") or forms.DeleteForm(formdata=None),
        "reasons": moderation.REASONS,
    }
    return render_template("moderation/person.html", **context), status


@bp.get("/admin/people/<int:user_id>")
@role_required("moderator")
def person(user_id):
    return render_person(moderation.find_person(current_user, user_id))


def _act(user_id, form_name, form, action, done):
    """Validate `form`, call `action(person, form)`, flash `done` and go back to the person's page; or show
    the page again with what was typed and the problem (422)."""
    person = moderation.find_person(current_user, user_id)
    if not form.validate_on_submit():
        return render_person(person, 422, **{form_name: form})
    try:
        action(person, form)
    except InvalidInput as error:
        # Said at the top: the person may have changed meanwhile (suspended by someone else), so the form
        # that was sent may no longer be on the page.
        return render_person(person, 422, problem=error.message, **{form_name: form})
    flash(done.format(username=person.username), "success")
    return redirect(url_for("moderation.person", user_id=user_id))


@bp.post("/admin/people/<int:user_id>/suspend")
@role_required("moderator")
def suspend(user_id):
    return _act(
        user_id,
        "suspend_form",
        forms.SuspendForm(),
        lambda person, form: moderation.suspend(current_user, person, form.reason.data),
        "@{username} is suspended.",
    )


@bp.post("/admin/people/<int:user_id>/unsuspend")
@role_required("moderator")
def unsuspend(user_id):
    return _act(
        user_id,
        "unsuspend_form",
        forms.UnsuspendForm(),
        lambda person, form: moderation.unsuspend(current_user, person, form.reason.data),
        "@{username} is no longer suspended.",
    )


@bp.post("/admin/people/<int:user_id>/role")
@role_required("admin")
def set_role(user_id):
    return _act(
        user_id,
        "role_form",
        forms.RoleForm(),
        lambda person, form: roles.set_role(person, form.role.data, actor=current_user),
        "@{username}'s role is saved.",
    )


@bp.post("/admin/people/<int:user_id>/delete")
@role_required("admin")
def delete(user_id):
    person = moderation.find_person(current_user, user_id)
    form = forms.DeleteForm()
    if not form.validate_on_submit():
        return render_person(person, 422, delete_form=form)
    username = person.username
    try:
        moderation.delete_person(current_user, person, form.reason.data)
    except InvalidInput as error:
        return render_person(person, 422, problem=error.message, delete_form=form)
    flash(f"@{username}'s account and everything it posted are deleted.", "success")
    return redirect(url_for("moderation.people"))


# ---- Audit log ----------------------------------------------------------------------------------------


@bp.get("/admin/audit")
@role_required("moderator")
def audit_log():
    entries, next_before = audit.entries(id_arg("before"))
    return render_template("moderation/audit.html", entries=entries, next_before=next_before, describe=audit.describe)
