from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from socialapp import localtime
from socialapp.forms import Form


class RegisterForm(Form):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=50)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=50)])
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(max=30, message="Usernames are 3 to 30 characters: letters, digits and underscores."),
        ],
    )
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )
    time_zone = HiddenField()


class LoginForm(Form):
    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")
    # Filled in by the page's script with the browser's zone; an unknown value is ignored.
    time_zone = HiddenField()


class TimeZoneForm(Form):
    time_zone = SelectField("Time zone", choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [(name, name.replace("_", " ")) for name in localtime.zone_names()]


class EmailOnlyForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords do not match.")],
    )


class ChangeEmailForm(Form):
    email = EmailField("New email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])


class DeleteAccountForm(Form):
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = BooleanField(
        "I understand that my account and everything in it will be deleted",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
