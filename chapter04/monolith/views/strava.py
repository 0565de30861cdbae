"""Connecting Strava, importing on demand (book: chapter 4, "Strava token").

OAuth 2 "authorization code" flow: Runnerly sends the browser to Strava with
a random ``state``; Strava sends it back to ``/strava/callback`` with a
one-time ``code``, which Runnerly exchanges for the user's tokens.
"""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from ..background import fetch_all_runs
from ..forms import ActionForm
from ..models import db
from ..strava_client import StravaError, client_from_config

strava = Blueprint("strava", __name__, url_prefix="/strava")


@strava.get("/connect")
@login_required
def connect():
    # The state ties the callback to this browser's session (no CSRF there).
    session["strava_state"] = state = secrets.token_urlsafe(16)
    with client_from_config(current_app.config) as client:
        url = client.authorize_url(
            redirect_uri=url_for("strava.callback", _external=True),
            state=state,
            scope=current_app.config["STRAVA_SCOPE"],
        )
    return redirect(url)


@strava.get("/callback")
@login_required
def callback():
    expected = session.pop("strava_state", None)
    if expected is None or request.args.get("state") != expected:
        abort(400, "The Strava answer does not match a request of this session.")
    if "code" not in request.args:
        flash(f"Strava access not granted ({request.args.get('error', 'no code')}).")
        return redirect(url_for("home.index"))
    if "activity:read" not in request.args.get("scope", ""):
        # The user unticked "view data about your activities" on Strava's page.
        flash("Runnerly needs to read your activities: please allow it.")
        return redirect(url_for("home.index"))
    try:
        with client_from_config(current_app.config) as client:
            tokens = client.exchange_code(request.args["code"])
    except StravaError:
        flash("Strava refused the connection, please try again.")
        return redirect(url_for("home.index"))
    current_user.strava_athlete_id = tokens["athlete"]["id"]
    current_user.strava_access_token = tokens["access_token"]
    current_user.strava_refresh_token = tokens["refresh_token"]
    current_user.strava_expires_at = tokens["expires_at"]
    db.session.commit()
    flash("Connected to Strava.")
    return redirect(url_for("home.index"))


@strava.post("/fetch")
@login_required
def fetch():
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired, please try again.")
    result = fetch_all_runs.delay()
    if not current_app.extensions["celery"].conf.task_always_eager:
        flash("Import started: your runs appear in a moment.")
    elif result.successful():
        flash(f"{result.result} new runs imported.")
    else:
        flash("Strava is busy (rate limit): try again later.")
    return redirect(url_for("home.index"))
