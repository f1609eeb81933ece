from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField, URLField

from socialapp.forms import Form
from socialapp.services.profiles import country_choices


class ProfileForm(Form):
    """Every profile field; the set-up page shows only some of them. Rules live in services.profiles."""

    picture = FileField("Profile picture")
    first_name = StringField("First name")
    last_name = StringField("Last name")
    bio = StringField("Bio")
    about = TextAreaField("About")
    address = StringField("Address")
    country = SelectField("Country", choices=[])
    website = URLField("Website")
    github = URLField("GitHub")
    linkedin = URLField("LinkedIn")
    x = URLField("X")
    facebook = URLField("Facebook")
    instagram = URLField("Instagram")
    youtube = URLField("YouTube")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "Not set"), *country_choices()]
        # An unknown code gets its message from the profiles service, beside the other field errors.
        self.country.pre_validate = lambda form: None
