"""Chapter 4 fixtures: the fake Strava on a live server, the monolith, WebTest."""

import pytest
import webtest

import fakestrava
from chapter04.monolith.app import create_app
from chapter04.tests.helpers import Strava, add_users, strava_settings
from testkit.databases import close_database
from testkit.fixtures import server_fixture
from testkit.servers import LiveServer


class CurrentApp:
    """A WSGI app that hands each request to the app of the moment."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@server_fixture(scope="session")
def strava_server():
    """One HTTP server for every test's fake Strava: starting and stopping a
    server per test cost up to half a second each (its shutdown polls)."""
    current = CurrentApp()
    with LiveServer(current) as server:
        yield current, server.url


@pytest.fixture
def strava(strava_server) -> Strava:
    """A new fake Strava over real HTTP for each test: 2 athletes, 40 activities
    each, and nothing left from the test before (tokens, rate limits, runs)."""
    current, url = strava_server
    current.app = fakestrava.create_app(seed=4, athletes=2, activities_per_athlete=40)
    yield Strava(current.app.extensions["fakestrava"], url)
    current.app = None  # a request after the test is a 500, not another's data


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
