"""Chapter 4 fixtures: the fake Strava on a live server, the monolith, WebTest."""

import pytest
import webtest

import fakestrava
from chapter04.monolith import create_app
from chapter04.tests.helpers import Strava, add_users, close_database, strava_settings


@pytest.fixture
def strava(live_server) -> Strava:
    """A fake Strava over real HTTP: 2 athletes, 40 activities each."""
    app = fakestrava.create_app(seed=4, athletes=2, activities_per_athlete=40)
    return Strava(app.extensions["fakestrava"], live_server(app).url)


@pytest.fixture
def app(strava):
    """The monolith on an in-memory SQLite, with an admin and a runner."""
    app = create_app("testing", **strava_settings(strava))
    add_users(app)
    yield app
    close_database(app)


@pytest.fixture
def testapp(app) -> webtest.TestApp:
    return webtest.TestApp(app)
