"""Fixtures of the fake Strava's tests: an app on a manual clock, a token."""

import pytest

from fakestrava import create_app
from fakestrava.clock import ManualClock
from fakestrava.tests.helpers import REDIRECT_URI, query_of


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def app(clock):
    return create_app(seed=42, clock=clock)


@pytest.fixture
def fake(app):
    return app.extensions["fakestrava"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(fake, client):
    """``login(scope=..., athlete_id=...)`` -> the token answer of an athlete."""

    def authorize(**options) -> dict:
        code = query_of(fake.authorize(REDIRECT_URI, **options))["code"]
        answer = client.post(
            "/oauth/token",
            data={
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "grant_type": "authorization_code",
                "code": code,
            },
        )
        assert answer.status_code == 200, answer.json
        return answer.json

    return authorize


@pytest.fixture
def token(login):
    return login()["access_token"]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}
