"""What the chapter 4 tests share besides fixtures: driving the UI as a browser."""

from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs, urlsplit

from werkzeug.security import generate_password_hash

import fakestrava
from chapter04.monolith.models import User, db

ADMIN = ("admin@example.com", "admin-password")
RUNNER = ("runner@example.com", "runner-password")


@dataclass
class Strava:
    """The fake Strava and the URL where it serves."""

    fake: fakestrava.FakeStrava
    url: str


def strava_settings(strava: Strava) -> dict:
    return {
        "STRAVA_BASE_URL": strava.url,
        "STRAVA_CLIENT_ID": strava.fake.client_id,
        "STRAVA_CLIENT_SECRET": strava.fake.client_secret,
    }


@cache
def password_hash(password: str) -> str:
    # Slow on purpose (scrypt, ~80 ms): once per password for the whole run,
    # not twice per test. User.set_password has tests of its own.
    return generate_password_hash(password)


def add_users(app) -> None:
    with app.app_context():
        for (email, password), is_admin in ((ADMIN, True), (RUNNER, False)):
            user = User(email=email, is_admin=is_admin)
            user.password_hash = password_hash(password)
            db.session.add(user)
        db.session.commit()


def login(testapp, email: str, password: str):
    """Fill in and send the login form as a browser would (CSRF token included)."""
    form = testapp.get("/login").forms["login"]
    form["email"] = email
    form["password"] = password
    return form.submit()


def connect_strava(testapp, strava, athlete_id: int | None = None):
    """Connect the logged-in user: Runnerly -> Strava's Authorize -> callback."""
    response = testapp.get("/strava/connect", status=302)
    assert response.location.startswith(f"{strava.url}/oauth/authorize?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["client_id"] == [strava.fake.client_id]
    # What the browser gets after the user clicks Authorize on Strava's page.
    callback = strava.fake.authorize(
        redirect_uri=query["redirect_uri"][0],
        scope=query["scope"][0],
        state=query["state"][0],
        athlete_id=athlete_id,
    )
    parts = urlsplit(callback)
    return testapp.get(f"{parts.path}?{parts.query}", status=302).follow()


def runs_of(fake, athlete_id: int) -> list[dict]:
    return [a for a in fake.activities(athlete_id) if a["type"] == "Run"]
