from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField, URLField

from socialapp.services.profiles import country_choices


class ProfileForm(FlaskForm):
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
        # Validation happens in the profiles service; an unknown code gets its message there.
        self.country.pre_validate = lambda form: None


class SetupForm(ProfileForm):
    pass
