"""Admin pages (book: chapter 4, "Authentication and authorization").

An admin lists the users and creates them; anyone else gets a 403.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from ..auth import admin_required
from ..forms import UserForm
from ..models import User, db

PROFILE_FIELDS = ("firstname", "lastname", "age", "weight", "max_hr", "rest_hr")

users = Blueprint("users", __name__, url_prefix="/users")


@users.get("/")
@admin_required
def index():
    everyone = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users.html", users=everyone)


@users.route("/create", methods=["GET", "POST"])
@admin_required
def create():
    form = UserForm()
    if form.validate_on_submit():
        if db.session.scalar(select(User).where(User.email == form.email.data)):
            form.email.errors.append("A user with this email exists already.")
        else:
            user = User(
                email=form.email.data,
                is_admin=form.is_admin.data,
                **{name: form[name].data or None for name in PROFILE_FIELDS},
            )
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            flash(f"User {user.email} created.")
            return redirect(url_for("users.index"))
    # Invalid input: the form again, with a message per field (200, not 500).
    return render_template("create_user.html", form=form)
