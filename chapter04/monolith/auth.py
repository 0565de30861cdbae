"""Who may do what (book: chapter 4, "Authentication and authorization").

Flask-Login keeps the user's id in the signed session cookie and loads the
user on each request; ``admin_required`` guards the admin pages.
"""

from functools import wraps

from flask import abort
from flask_login import LoginManager, current_user

from .models import User, db

login_manager = LoginManager()
login_manager.login_view = "auth.login"  # anonymous users are sent there
login_manager.login_message = "Please log in to see this page."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def admin_required(view):
    """Logged in and an admin, or 403 (anonymous users go to the login page)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded
