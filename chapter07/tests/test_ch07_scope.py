"""Limiting your application scope: each token, and each Strava grant, carries
the least scope that does the job.

TokenDealer's side is tested in test_ch07_tokendealer.py: the audience and
the scope come from the client's registration
(``test_the_client_cannot_choose_its_audience``), a client may ask for less
(``test_a_requested_scope_can_narrow_it``) and never for more
(``test_a_scope_beyond_the_registration_is_invalid_scope``); the data service
refuses a route's scope that a token lacks (``test_a_write_needs_the_write_scope``
in test_ch07_using_tokendealer.py, ``test_a_scope_the_route_does_not_allow`` in
test_ch07_attacks.py). Here: what those leave out.
"""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chapter04.monolith.app import create_app as create_monolith
from chapter04.monolith.models import User, db
from chapter07.secured_dataservice import create_app as create_data_service
from chapter07.tests.helpers import CLIENT_ID

# Strava's scopes that only read; the others (activity:write, profile:write)
# let a token change or delete the athlete's data.
STRAVA_READ_SCOPES = {
    "read",
    "read_all",
    "profile:read_all",
    "activity:read",
    "activity:read_all",
}


def ask_token(url: str, registered, client_id: str, scope: str | None = None):
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    auth = (client_id, registered.secrets[client_id])
    return requests.post(f"{url}/oauth/token", data=form, auth=auth, timeout=10)


def test_a_reader_cannot_ask_for_the_write_scope(client, registered):
    value = base64.b64encode(f"reader:{registered.secrets['reader']}".encode())
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "data:read data:write"},
        headers={"Authorization": f"Basic {value.decode()}"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


@pytest.fixture
def data_service(dealer, live_server):
    dealer_url = live_server(dealer).url
    dealer.config["ISSUER"] = dealer_url
    app = create_data_service("testing", TOKEN_ISSUER=dealer_url)
    app.dealer_url = dealer_url
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_a_narrowed_token_cannot_do_what_it_did_not_ask_for(data_service, registered):
    # The dashboard may write, but a job that only reads asks for data:read:
    # if that token leaks, it cannot change anything.
    answer = ask_token(data_service.dealer_url, registered, CLIENT_ID, "data:read")
    assert answer.json()["scope"] == "data:read"
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    client = data_service.test_client()
    assert client.get("/users", headers=headers).status_code == 200
    user = {"email": "runner@example.com"}
    response = client.post("/users", json=user, headers=headers)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


@pytest.fixture
def monolith():
    app = create_monolith("testing", STRAVA_CLIENT_ID="1234")
    with app.app_context():
        db.session.add(User(email="runner@example.com"))
        db.session.commit()
        user_id = db.session.execute(db.select(User.id)).scalar_one()
    yield app, user_id
    with app.app_context():
        db.engine.dispose()


def test_runnerly_asks_strava_for_read_scopes_only(monolith):
    app, user_id = monolith
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # logged in, as Flask-Login records it
    response = client.get("/strava/connect")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.location).query)
    scopes = set(query["scope"][0].split(","))
    assert "activity:read" in scopes or "activity:read_all" in scopes
    assert scopes <= STRAVA_READ_SCOPES, scopes - STRAVA_READ_SCOPES
