"""Log in, log out (book: chapter 4, "Authentication and authorization")."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from ..forms import ActionForm, LoginForm
from ..models import User, db

auth = Blueprint("auth", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data))
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            return redirect(url_for("home.index"))
        # The same message for both: do not tell which emails have an account.
        form.password.errors.append("Wrong email or password.")
    return render_template("login.html", form=form)


@auth.post("/logout")
@login_required
def logout():
    # A POST with a CSRF token: a link on another site cannot log you out.
    if ActionForm().validate_on_submit():
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))
