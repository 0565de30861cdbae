"""The Strava client against the fake Strava over HTTP, errors included."""

import pytest
import requests_mock

from chapter04.monolith.strava_client import (
    StravaClient,
    StravaError,
    StravaRateLimited,
    StravaUnauthorized,
    epoch,
    parse_date,
    parse_rate_limit,
)


@pytest.fixture
def client(strava):
    with StravaClient(
        strava.url, strava.fake.client_id, strava.fake.client_secret
    ) as client:
        yield client


def tokens_for(strava, client, athlete_id=None):
    callback = strava.fake.authorize("http://x/cb", athlete_id=athlete_id)
    code = callback.split("code=")[1].split("&")[0]
    return client.exchange_code(code)


def test_authorize_url(client, strava):
    url = client.authorize_url("http://app/cb", state="s1", scope="read")
    assert url.startswith(f"{strava.url}/oauth/authorize?client_id=")
    assert "redirect_uri=http%3A%2F%2Fapp%2Fcb" in url
    assert "state=s1" in url


def test_exchange_code_and_refresh(client, strava):
    tokens = tokens_for(strava, client)
    assert tokens["athlete"]["id"] == strava.fake.athlete_ids()[0]
    renewed = client.refresh(tokens["refresh_token"])
    assert renewed["access_token"] != tokens["access_token"]
    assert "athlete" not in renewed


def test_a_code_works_once(client, strava):
    callback = strava.fake.authorize("http://x/cb")
    code = callback.split("code=")[1].split("&")[0]
    client.exchange_code(code)
    with pytest.raises(StravaError) as error:
        client.exchange_code(code)
    assert error.value.status == 400
    assert error.value.payload["errors"][0]["resource"] == "AuthorizationCode"


def test_activities_page_by_page(client, strava):
    token = tokens_for(strava, client)["access_token"]
    every = list(client.activities(token, per_page=15))
    assert [a["id"] for a in every] == [
        a["id"] for a in strava.fake.activities(strava.fake.athlete_ids()[0])
    ]


def test_activities_after(client, strava):
    token = tokens_for(strava, client)["access_token"]
    history = strava.fake.activities(strava.fake.athlete_ids()[0])
    after = epoch(parse_date(history[3]["start_date"]))
    newer = list(client.activities(token, after=after))
    assert sorted(a["id"] for a in newer) == sorted(a["id"] for a in history[:3])


def test_expired_token_is_401(client, strava):
    token = tokens_for(strava, client)["access_token"]
    strava.fake.expire_tokens()
    with pytest.raises(StravaUnauthorized):
        list(client.activities(token))


def test_rate_limit_is_429_with_the_headers(client, strava):
    token = tokens_for(strava, client)["access_token"]
    strava.fake.rate_limit = (1, 1000)
    list(client.activities(token))
    with pytest.raises(StravaRateLimited) as error:
        list(client.activities(token))
    assert error.value.limit == (1, 1000)
    assert error.value.usage == (2, 2)
    assert not error.value.daily_exhausted


def test_error_without_json():
    with requests_mock.Mocker() as mock, StravaClient("http://s", "1", "x") as client:
        mock.post("http://s/oauth/token", status_code=502, text="Bad gateway")
        with pytest.raises(StravaError) as error:
            client.refresh("r")
    assert error.value.payload == "Bad gateway"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100,1000", (100, 1000)), (None, None), ("100", None), ("a,b", None)],
)
def test_parse_rate_limit(value, expected):
    assert parse_rate_limit(value) == expected
