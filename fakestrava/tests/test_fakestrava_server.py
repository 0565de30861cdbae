"""``python -m fakestrava`` as a real server: the OAuth dance over HTTP."""

import re

import pytest
import requests

from fakestrava.tests.helpers import query_of
from testkit.servers import python_command

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:9/strava/callback"  # never visited: we read Location


def test_oauth_dance_and_paging(server_process):
    server = server_process(
        python_command("-m", "fakestrava"),
        env={"FAKESTRAVA_SEED": "7", "FAKESTRAVA_CLIENT_SECRET": "s3cret"},
    )
    assert f"Fake Strava on {server.url}" in server.output()
    assert "client_id=1234 client_secret=s3cret" in server.output()
    with requests.Session() as http:
        back = authorize_as_athlete_2(http, server.url)
        # ...and the app's server trades the code for tokens.
        tokens = http.post(
            f"{server.url}/oauth/token",
            data={
                "client_id": "1234",
                "client_secret": "s3cret",
                "code": back["code"],
                "grant_type": "authorization_code",
            },
            timeout=10,
        ).json()
        assert tokens["athlete"]["id"] == 2
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        runs, answer = every_page(http, f"{server.url}/api/v3/athlete/activities", auth)
        assert len(runs) == 60
        assert len({run["id"] for run in runs}) == 60
        assert answer.headers["X-RateLimit-Usage"] == "4,4"
        assert answer.headers["X-RateLimit-Limit"] == "100,1000"
        unauthorized = http.get(f"{server.url}/api/v3/athlete", timeout=10)
        assert unauthorized.status_code == 401
        assert unauthorized.headers["Content-Type"] == "application/json"


def every_page(http, url: str, auth: dict) -> tuple[list[dict], requests.Response]:
    """Every activity, 25 a page until an empty one; and that last answer."""
    runs, page_number = [], 1
    while True:
        answer = http.get(
            url, params={"page": page_number, "per_page": 25}, headers=auth, timeout=10
        )
        assert answer.status_code == 200
        if not answer.json():
            return runs, answer
        runs += answer.json()
        page_number += 1


def authorize_as_athlete_2(http, url: str) -> dict[str, str]:
    """The athlete's side of the dance: what Strava sends the app back."""
    # The app sends the athlete's browser to the authorize page...
    page = http.get(
        f"{url}/oauth/authorize",
        params={
            "client_id": "1234",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "read,activity:read_all",
            "state": "abc",
        },
        timeout=10,
    )
    assert page.status_code == 200
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    # ...the athlete picks who they are and clicks Authorize...
    form.update(athlete_id="2", decision="authorize")
    clicked = http.post(
        f"{url}/oauth/authorize",
        data=form,
        allow_redirects=False,
        timeout=10,
    )
    assert clicked.status_code == 302
    back = query_of(clicked.headers["Location"])
    assert back["state"] == "abc"
    return back
