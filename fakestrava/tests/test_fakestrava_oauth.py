"""The OAuth authorization-code flow: authorize, token, refresh, deauthorize."""

import pytest

from fakestrava.errors import Fault
from fakestrava.tests.helpers import REDIRECT_URI, fault, query_of

AUTHORIZE = {
    "client_id": "1234",
    "redirect_uri": REDIRECT_URI,
    "response_type": "code",
    "scope": "read,activity:read_all",
    "state": "xyz",
}


def exchange(client, fake, **fields):
    data = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "grant_type": "authorization_code",
        **fields,
    }
    return client.post("/oauth/token", data=data)


def refresh(client, fake, refresh_token):
    return client.post(
        "/oauth/token",
        data={
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )


def athlete(client, access_token):
    return client.get(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {access_token}"}
    )


def test_authorize_page(client):
    page = client.get("/oauth/authorize", query_string=AUTHORIZE)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.text
    assert "Authorize Runnerly" in html
    assert 'action="/oauth/authorize"' in html
    assert 'name="state" value="xyz"' in html
    assert 'value="authorize"' in html and 'value="cancel"' in html


def test_authorize_page_has_a_look_and_an_icon_of_its_own(client):
    """Files, not inline: a stylesheet and an SVG icon the fake serves."""
    html = client.get("/oauth/authorize", query_string=AUTHORIZE).text
    assert "<style" not in html and "style=" not in html
    assert '<link rel="stylesheet" href="/static/fakestrava.css">' in html
    assert 'rel="icon" type="image/svg+xml" href="/static/favicon.svg"' in html
    assert "stand-in for Strava" in html
    # Each answer is closed: a static file is sent open, as a stream.
    with client.get("/static/fakestrava.css") as answer:
        assert answer.mimetype == "text/css"
    # /favicon.ico too: what a browser asks for on a page naming no icon.
    for path in ("/static/favicon.svg", "/favicon.ico"):
        with client.get(path) as answer:
            assert answer.status_code == 200
            assert answer.mimetype == "image/svg+xml"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"client_id": "999"}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"redirect_uri": None}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
    ],
)
def test_authorize_bad_app(client, change, field):
    query = {k: v for k, v in {**AUTHORIZE, **change}.items() if v is not None}
    answer = client.get("/oauth/authorize", query_string=query)
    assert answer.status_code == 400
    assert answer.json == {
        "message": "Bad Request",
        "errors": fault("Application", field),
    }


def test_authorize_bad_scope(client):
    query = {**AUTHORIZE, "scope": "read,everything"}
    answer = client.get("/oauth/authorize", query_string=query)
    assert answer.status_code == 400
    assert answer.json["errors"] == fault("Authorize", "scope")


def test_authorize_clicked(client, fake):
    answer = client.post(
        "/oauth/authorize",
        data={**AUTHORIZE, "athlete_id": "2", "decision": "authorize"},
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert "scope=read,activity:read_all" in location
    params = query_of(location)
    assert params["state"] == "xyz"
    assert params["scope"] == "read,activity:read_all"
    tokens = exchange(client, fake, code=params["code"]).json
    assert tokens["athlete"]["id"] == 2


def test_authorize_default_athlete_and_scope(client, fake):
    form = {**AUTHORIZE, "scope": "", "state": ""}
    answer = client.post("/oauth/authorize", data=form)
    params = query_of(answer.headers["Location"])
    assert params["scope"] == "read"
    assert exchange(client, fake, code=params["code"]).json["athlete"]["id"] == 1


@pytest.mark.parametrize("athlete_id", ["abc", "99"])
def test_authorize_unknown_athlete(client, athlete_id):
    answer = client.post(
        "/oauth/authorize", data={**AUTHORIZE, "athlete_id": athlete_id}
    )
    assert answer.status_code == 400
    assert answer.json["errors"] == fault("Athlete", "athlete_id")


def test_cancel_is_access_denied(client):
    answer = client.post("/oauth/authorize", data={**AUTHORIZE, "decision": "cancel"})
    assert answer.status_code == 302
    params = query_of(answer.headers["Location"])
    assert params == {"state": "xyz", "error": "access_denied"}


def test_redirect_keeps_its_query(fake):
    url = fake.authorize("http://app.test/cb?next=/runs", state="s")
    assert url.startswith("http://app.test/cb?next=%2Fruns&state=s&code=")


def test_token_answer(client, fake, clock):
    code = query_of(fake.authorize(REDIRECT_URI, athlete_id=3))["code"]
    answer = exchange(client, fake, code=code)
    assert answer.status_code == 200
    tokens = answer.json
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 21600
    assert tokens["expires_at"] == int(clock()) + 21600
    assert tokens["access_token"] != tokens["refresh_token"]
    assert tokens["athlete"]["id"] == 3
    assert {"username", "firstname", "lastname", "city", "sex"} <= tokens[
        "athlete"
    ].keys()
    assert athlete(client, tokens["access_token"]).json["id"] == 3


def test_token_as_json_body(client, fake):
    code = query_of(fake.authorize(REDIRECT_URI))["code"]
    answer = client.post(
        "/oauth/token",
        json={
            "client_id": 1234,
            "client_secret": "fake-secret",
            "grant_type": "authorization_code",
            "code": code,
        },
    )
    assert answer.status_code == 200


def test_a_json_body_nested_too_deep_is_a_400_fault(client):
    answer = client.post(
        "/oauth/token",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json["message"] == "Bad Request"


def test_code_is_single_use(client, fake):
    code = query_of(fake.authorize(REDIRECT_URI))["code"]
    assert exchange(client, fake, code=code).status_code == 200
    again = exchange(client, fake, code=code)
    assert again.status_code == 400
    assert again.json == {
        "message": "Bad Request",
        "errors": fault("AuthorizationCode", "code"),
    }


@pytest.mark.parametrize("code", ["made-up", None])
def test_unknown_code(client, fake, code):
    fields = {"code": code} if code else {}
    answer = exchange(client, fake, **fields)
    assert answer.status_code == 400
    assert answer.json["errors"] == fault("AuthorizationCode", "code")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"client_secret": "wrong"}, "client_secret"),
        ({"client_secret": "é"}, "client_secret"),
        ({"client_secret": None}, "client_secret"),
        ({"client_id": "4321"}, "client_id"),
        ({"client_id": None}, "client_id"),
    ],
)
def test_bad_client(client, fake, fields, field):
    code = query_of(fake.authorize(REDIRECT_URI))["code"]
    data = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        **fields,
    }
    answer = client.post(
        "/oauth/token", data={k: v for k, v in data.items() if v is not None}
    )
    assert answer.status_code == 400
    assert answer.json == {
        "message": "Bad Request",
        "errors": fault("Application", field),
    }
    # The code was not spent by the failed attempt.
    assert exchange(client, fake, code=code).status_code == 200


def test_unknown_grant_type(client, fake):
    answer = exchange(client, fake, grant_type="password")
    assert answer.status_code == 400
    assert answer.json["errors"] == fault("Application", "grant_type")


def test_refresh_rotates_the_access_token(client, fake, login, clock):
    first = login()
    clock.advance(3600)
    answer = refresh(client, fake, first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json
    assert "athlete" not in second
    assert second["token_type"] == "Bearer"
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] == first["refresh_token"]
    assert second["expires_at"] == int(clock()) + 21600
    assert athlete(client, first["access_token"]).status_code == 401
    assert athlete(client, second["access_token"]).status_code == 200


def test_refresh_after_expiry(client, fake, login, clock):
    tokens = login()
    clock.advance(21600)
    assert athlete(client, tokens["access_token"]).status_code == 401
    renewed = refresh(client, fake, tokens["refresh_token"]).json
    assert athlete(client, renewed["access_token"]).status_code == 200


@pytest.mark.parametrize("refresh_token", ["made-up", ""])
def test_bad_refresh_token(client, fake, refresh_token):
    answer = refresh(client, fake, refresh_token)
    assert answer.status_code == 400
    assert answer.json == {
        "message": "Bad Request",
        "errors": fault("RefreshToken", "refresh_token"),
    }


def test_token_expires_by_the_clock(client, login, clock):
    tokens = login()
    clock.advance(21599)
    assert athlete(client, tokens["access_token"]).status_code == 200
    clock.advance(1)
    answer = athlete(client, tokens["access_token"])
    assert answer.status_code == 401
    assert answer.json == {
        "message": "Authorization Error",
        "errors": fault("Athlete", "access_token"),
    }


def test_expire_tokens(client, fake, login):
    first, second = login(athlete_id=1), login(athlete_id=2)
    fake.expire_tokens()
    for tokens in (first, second):
        assert athlete(client, tokens["access_token"]).status_code == 401
    # A token issued afterwards works; so does refreshing an expired one.
    assert athlete(client, login()["access_token"]).status_code == 200
    renewed = refresh(client, fake, first["refresh_token"]).json
    assert athlete(client, renewed["access_token"]).status_code == 200


def test_short_token_lifetime():
    from fakestrava import create_app

    app = create_app(token_lifetime=60)
    fake = app.extensions["fakestrava"]
    code = query_of(fake.authorize(REDIRECT_URI))["code"]
    answer = exchange(app.test_client(), fake, code=code).json
    assert answer["expires_in"] == 60


@pytest.mark.parametrize("how", ["form", "bearer"])
def test_deauthorize(client, fake, login, how):
    mine, other = login(athlete_id=1), login(athlete_id=2)
    access_token = mine["access_token"]
    if how == "form":
        answer = client.post("/oauth/deauthorize", data={"access_token": access_token})
    else:
        answer = client.post(
            "/oauth/deauthorize", headers={"Authorization": f"Bearer {access_token}"}
        )
    assert answer.status_code == 200
    assert answer.json == {"access_token": access_token}
    assert athlete(client, access_token).status_code == 401
    assert refresh(client, fake, mine["refresh_token"]).status_code == 400
    assert athlete(client, other["access_token"]).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}])
def test_deauthorize_needs_a_token(client, headers):
    answer = client.post("/oauth/deauthorize", headers=headers)
    assert answer.status_code == 401
    assert answer.json["message"] == "Authorization Error"


def test_token_endpoint_wants_post(client):
    answer = client.get("/oauth/token")
    assert answer.status_code == 405
    assert answer.json["message"] == "Method Not Allowed"
    assert "POST" in answer.headers["Allow"]


def test_token_body_not_an_object(client):
    answer = client.post("/oauth/token", json=["client_id", "1234"])
    assert answer.status_code == 400
    assert answer.json["errors"] == fault("Application", "client_id")


def test_authorize_unknown_athlete_in_python(fake):
    with pytest.raises(Fault) as error:
        fake.authorize(REDIRECT_URI, athlete_id=99)
    assert error.value.code == 400
