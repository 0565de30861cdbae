"""The forms of the web UI (book: chapter 4, "View and Template").

Flask-WTF checks the input and the CSRF token of every form: a POST that
does not come from a page this app served is refused.
"""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    IntegerField,
    PasswordField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class UserForm(FlaskForm):
    """What an admin fills in to create a user."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    firstname = StringField("First name", validators=[Optional(), Length(max=128)])
    lastname = StringField("Last name", validators=[Optional(), Length(max=128)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=8, max=128)]
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[EqualTo("password", message="Passwords must match.")],
    )
    age = IntegerField("Age", validators=[Optional(), NumberRange(min=5, max=120)])
    weight = FloatField("Weight (kg)", validators=[Optional(), NumberRange(20, 300)])
    max_hr = IntegerField(
        "Max heart rate", validators=[Optional(), NumberRange(60, 250)]
    )
    rest_hr = IntegerField(
        "Rest heart rate", validators=[Optional(), NumberRange(20, 150)]
    )
    is_admin = BooleanField("Administrator")


class ActionForm(FlaskForm):
    """A bare form for the POST buttons (log out, fetch now): only its CSRF token."""
