"""Who may join: the instance settings page, invitation links, and the /join/<code> door they open."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from socialapp.blueprints.instance import forms
from socialapp.extensions import limiter
from socialapp.services import instance, invitations
from socialapp.services.errors import Forbidden, InvalidInput
from socialapp.services.mail import site_url
from socialapp.web import role_required

bp = Blueprint("instance", __name__)


def render_settings_page(form, status=200):
    return render_template("instance/settings.html", form=form, modes=instance.MODES), status


@bp.get("/admin/instance")
@role_required("admin")
def settings():
    current = instance.join_settings()
    form = forms.JoinSettingsForm(data={**current, "domains": "\n".join(current["domains"])})
    return render_settings_page(form)


@bp.post("/admin/instance")
@role_required("admin")
def update_settings():
    form = forms.JoinSettingsForm()
    if not form.validate_on_submit():
        return render_settings_page(form, 422)
    try:
        instance.update_join_settings(current_user, form.mode.data, form.domains.data, form.members_invite.data)
    except InvalidInput as error:
        form.domains.errors = [*form.domains.errors, error.message]
        return render_settings_page(form, 422)
    flash("Who may join is saved.", "success")
    return redirect(url_for("instance.settings"))


def _require_may_invite():
    if not invitations.may_invite(current_user):
        raise Forbidden("Only an admin can make invitation links here.")


def render_invitations(form, status=200, new=None):
    context = {
        "form": form,
        "revoke_form": forms.RevokeForm(),
        "invitations": invitations.made_by(current_user),
        "status_of": invitations.status,
        "new": new,
        "new_link": site_url("instance.join", code=new.code) if new else None,
    }
    return render_template("instance/invitations.html", **context), status


@bp.get("/admin/invitations")
@login_required
def invitation_list():
    _require_may_invite()
    return render_invitations(forms.InvitationForm())


@bp.post("/admin/invitations")
@login_required
@limiter.limit("30 per hour")
def create_invitation():
    _require_may_invite()
    form = forms.InvitationForm()
    if not form.validate_on_submit():
        return render_invitations(form, 422)
    invitation = invitations.create(current_user, form.uses.data, form.days.data)
    return render_invitations(forms.InvitationForm(formdata=None), 201, new=invitation)


@bp.post("/admin/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id):
    _require_may_invite()
    form = forms.RevokeForm()
    if not form.validate_on_submit():
        return render_invitations(forms.InvitationForm(formdata=None), 400)
    invitations.revoke(current_user, invitation_id)
    flash("The link is revoked.", "success")
    return redirect(url_for("instance.invitation_list"))


@bp.get("/join/<code>")
def join(code):
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    if invitations.usable(code) is None:
        session.pop("invitation", None)
        flash("That invitation link is invalid, expired or used up. Ask for another.", "error")
        return redirect(url_for("auth.register"))
    session["invitation"] = code
    return redirect(url_for("auth.register"))
