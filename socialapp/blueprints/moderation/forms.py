from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from socialapp.forms import Form
from socialapp.services import moderation, roles

REASON_REQUIRED = "Give a reason: the person and the other moderators will read it."


class ReportForm(Form):
    reason = RadioField(
        "Why are you reporting this?",
        choices=[SelectChoice(key, label) for key, label in moderation.REASONS.items()],
        validators=[InputRequired(message="Choose why you report this.")],
    )
    note = TextAreaField(
        "Anything moderators should know (optional)",
        validators=[
            Length(max=moderation.NOTE_LIMIT, message=f"Keep the note under {moderation.NOTE_LIMIT:,} characters.")
        ],
    )


def _reason(label="Reason"):
    return TextAreaField(
        label,
        validators=[
            InputRequired(message=REASON_REQUIRED),
            Length(max=moderation.REASON_LIMIT, message=f"Keep the reason under {moderation.REASON_LIMIT} characters."),
        ],
    )


class SuspendForm(Form):
    reason = _reason("Reason for suspending")


class UnsuspendForm(Form):
    reason = _reason("Reason for lifting the suspension")


class RoleForm(Form):
    role = SelectField("Role", choices=[SelectChoice(role, role.capitalize()) for role in roles.ROLES])


class DeleteForm(Form):
    reason = _reason("Reason for deleting")
    confirm = BooleanField(
        "Yes, delete this account and everything it posted",
        validators=[InputRequired(message="Tick the box to confirm: this cannot be undone.")],
    )


OUTCOME_LABELS = {
    moderation.DISMISSED: "Dismiss: nothing breaks the rules",
    moderation.REMOVED: "Remove the content",
    moderation.SUSPENDED: "Suspend the author (hides everything they wrote)",
}


class ResolveForm(Form):
    outcome = RadioField(
        "Decision",
        choices=[SelectChoice(key, label) for key, label in OUTCOME_LABELS.items()],
        validators=[InputRequired(message="Choose what to do about the report.")],
    )
    reason = TextAreaField(
        "Note for the audit log (needed to suspend)",
        validators=[
            Length(max=moderation.REASON_LIMIT, message=f"Keep the note under {moderation.REASON_LIMIT} characters.")
        ],
    )
