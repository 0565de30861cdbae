"""The dashboard: runs, monthly totals (book: chapter 4, "View and Template")."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..forms import ActionForm
from ..totals import monthly_totals

home = Blueprint("home", __name__)


@home.get("/")
@login_required
def index():
    runs = current_user.runs  # newest first (the relationship's order_by)
    return render_template(
        "home.html", runs=runs, totals=monthly_totals(runs), form=ActionForm()
    )
