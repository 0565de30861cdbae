"""Book: chapter 8, "Getting the Strava token": log in with Strava.

The runner has no password at Runnerly: Strava's OAuth authorization-code
flow both proves who they are and hands over the tokens the worker needs.
The dashboard sends the browser to Strava with a random ``state`` (kept in
the session, so the answer must come back to the same browser), asks for
read scopes only, trades the code for tokens with chapter 04's
``StravaClient``, and gives the tokens to the data service (the runner is
created or updated there). The session then keeps the runner's id and
first name: never a Strava token, which the cookie would carry to every
page (signed, but readable by anyone holding it).
"""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from chapter04.monolith.strava_client import StravaError, client_from_config

strava_login = Blueprint("strava_login", __name__)


def strava_client():
    return client_from_config(current_app.config)


def authorize_client():
    """Strava at the address the browser is sent to (``STRAVA_PUBLIC_URL``)."""
    config = current_app.config
    public = config["STRAVA_PUBLIC_URL"]
    return client_from_config(
        {**config, "STRAVA_BASE_URL": public} if public else config
    )


@strava_login.get("/")
def index():
    if "user_id" not in session:
        return render_template("login.html")
    return render_template(
        "dashboard.html",
        name=session["name"],
        data_service=current_app.extensions["dashboard"].public_data_url,
    )


@strava_login.get("/login")
def login():
    session["strava_state"] = state = secrets.token_urlsafe(16)
    with authorize_client() as client:
        url = client.authorize_url(
            redirect_uri=url_for("strava_login.authorized", _external=True),
            state=state,
            scope=current_app.config["STRAVA_SCOPE"],
        )
    return redirect(url)


@strava_login.get("/authorized")
def authorized():
    expected = session.pop("strava_state", None)
    if expected is None or not secrets.compare_digest(
        request.args.get("state", ""), expected
    ):
        abort(400, "This Strava answer does not match a login of this browser.")
    if "code" not in request.args:
        reason = request.args.get("error", "no code")
        abort(403, f"Strava access was not granted ({reason}).")
    if "activity:read" not in request.args.get("scope", "").split(","):
        # The runner unticked "view data about your activities" on Strava's page.
        abort(403, "Runnerly needs to read your activities: please allow it.")
    try:
        with strava_client() as client:
            tokens = client.exchange_code(request.args["code"])
    except StravaError:
        abort(502, "Strava refused the login: please try again.")
    user = current_app.extensions["dashboard"].services.upsert_strava_runner(tokens)
    # A new session for a new login: nothing of the anonymous one carries over.
    session.clear()
    session["user_id"] = int(user["id"])
    session["name"] = user.get("firstname") or tokens["athlete"].get("firstname", "")
    return redirect(url_for("strava_login.index"))


@strava_login.post("/logout")
def logout():
    # CSRFProtect checked the form's token before this runs.
    session.clear()
    return redirect(url_for("strava_login.index"))
