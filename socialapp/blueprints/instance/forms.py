from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from socialapp.forms import Form
from socialapp.services import instance, invitations


class JoinSettingsForm(Form):
    mode = RadioField(
        "Who may join",
        choices=[SelectChoice(mode, instance.MODE_LABELS[mode]) for mode in instance.MODES],
        validators=[InputRequired(message="Choose one of the ways to join.")],
    )
    domains = TextAreaField("Email domains", validators=[Length(max=5000)])
    members_invite = BooleanField("Members may make invitation links")


class InvitationForm(Form):
    uses = IntegerField(
        "Number of uses",
        default=1,
        validators=[
            InputRequired(message="Enter how many people may use the link."),
            NumberRange(1, invitations.MAX_USES, message=f"A link can be used 1 to {invitations.MAX_USES} times."),
        ],
    )
    days = IntegerField(
        "Lasts (days)",
        default=7,
        validators=[
            InputRequired(message="Enter how many days the link lasts."),
            NumberRange(1, invitations.MAX_DAYS, message=f"A link lasts 1 to {invitations.MAX_DAYS} days."),
        ],
    )


class RevokeForm(Form):
    pass
