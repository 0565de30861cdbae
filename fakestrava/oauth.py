"""Strava's OAuth 2 endpoints: authorize, token, deauthorize.

The authorization-code flow of https://developers.strava.com/docs/authentication/:
the app sends the athlete's browser to ``/oauth/authorize``; the athlete
clicks Authorize (or Cancel) and the browser comes back to ``redirect_uri``
with a ``code`` (or ``error=access_denied``); the app's server trades the code
for tokens at ``/oauth/token``, and later trades the refresh token for a new
access token there too.
"""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request

from .errors import bad_request
from .state import FakeStrava, normalize_scope, with_query

oauth = Blueprint("oauth", __name__, url_prefix="/oauth")


def fake() -> FakeStrava:
    return current_app.extensions["fakestrava"]


def _params() -> dict:
    """Every parameter of the request: query string, form, or a JSON body."""
    values = request.values.to_dict()
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            values.update({key: str(value) for key, value in body.items()})
    return values


def _authorize_request(values) -> dict:
    """Check the parameters the app put in the authorize URL."""
    if values.get("client_id") != fake().client_id:
        raise bad_request("Application", "client_id")
    if not values.get("redirect_uri"):
        raise bad_request("Application", "redirect_uri")
    if values.get("response_type") != "code":
        raise bad_request("Application", "response_type")
    return {
        "client_id": values["client_id"],
        "redirect_uri": values["redirect_uri"],
        "response_type": "code",
        "scope": normalize_scope(values.get("scope") or "read"),
        "state": values.get("state", ""),
    }


@oauth.get("/authorize")
def authorize_page():
    """The page where the athlete says yes or no to the app."""
    params = _authorize_request(request.args)
    athletes = [fake().athlete(athlete_id) for athlete_id in fake().athlete_ids()]
    return render_template(
        "authorize.html", app_name=fake().app_name, athletes=athletes, **params
    )


@oauth.post("/authorize")
def authorize_decision():
    params = _authorize_request(request.form)
    if request.form.get("decision") == "cancel":
        return redirect(
            with_query(
                params["redirect_uri"], state=params["state"], error="access_denied"
            )
        )
    try:
        athlete_id = int(request.form.get("athlete_id") or fake().athlete_ids()[0])
    except ValueError:
        raise bad_request("Athlete", "athlete_id") from None
    url = fake().authorize(
        params["redirect_uri"], params["scope"], params["state"], athlete_id
    )
    return redirect(url)


@oauth.post("/token")
def token():
    """Trade a code, or a refresh token, for an access token."""
    values = _params()
    fake().check_client(values.get("client_id"), values.get("client_secret"))
    grant_type = values.get("grant_type")
    if grant_type == "authorization_code":
        return jsonify(fake().exchange_code(values.get("code")))
    if grant_type == "refresh_token":
        return jsonify(fake().refresh(values.get("refresh_token")))
    raise bad_request("Application", "grant_type")


@oauth.post("/deauthorize")
def deauthorize():
    """The athlete revokes the app's access: every token of theirs stops working."""
    values = _params()
    access_token = values.get("access_token") or bearer_token()
    fake().deauthorize(access_token)
    return jsonify(access_token=access_token)


def bearer_token() -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()
