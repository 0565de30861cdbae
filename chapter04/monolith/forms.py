"""The forms of the web UI (book: chapter 4, "View and Template").

Flask-WTF checks the input and the CSRF token of every form: a POST that
does not come from a page this app served is refused.
"""

from email_validator import EmailNotValidError
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
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .emails import normalize_email


def email_address(form, field) -> None:
    """The address the data service would take, in its normal form.

    Not WTForms' ``Email()``: it refuses ``ada@runner.local`` and the other
    special-use domains, which the data service takes (see emails.py), and it
    does not normalize, so ``ada@Example.com`` would not find ``ada@example.com``.
    """
    try:
        field.data = normalize_email(field.data)
    except EmailNotValidError as error:
        raise ValidationError("Invalid email address.") from error


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), email_address])
    password = PasswordField("Password", validators=[DataRequired()])


class UserForm(FlaskForm):
    """What an admin fills in to create a user."""

    email = EmailField(
        "Email", validators=[DataRequired(), email_address, Length(max=254)]
    )
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
