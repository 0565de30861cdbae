"""Using TokenDealer: the secured data service, key rotation, the client."""

import itertools

import jwt
import pytest
import requests

from chapter07.pyjwt_examples import new_rsa_key
from chapter07.secured_dataservice import create_app
from chapter07.tests.helpers import CLIENT_ID
from chapter07.token_client import TokenAuth


class Counted:
    """The dealer's WSGI app, counting the JWK set's downloads."""

    def __init__(self, app):
        self.app, self.jwks_fetches = app, 0

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/.well-known/jwks.json":
            self.jwks_fetches += 1
        return self.app(environ, start_response)


@pytest.fixture
def dealer_server(dealer, live_server):
    counted = Counted(dealer)
    server = live_server(counted)
    dealer.config["ISSUER"] = server.url
    server.counted = counted
    server.keys = dealer.extensions["tokendealer"].keys
    return server


@pytest.fixture
def data_app(dealer_server):
    # No cooldown: the rotation below comes milliseconds after the first fetch.
    app = create_app("testing", TOKEN_ISSUER=dealer_server.url, TOKEN_JWKS_COOLDOWN=0)
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def data_server(data_app, live_server):
    return live_server(data_app)


def token_from(dealer_url: str, registered, client_id=CLIENT_ID) -> str:
    form = {"grant_type": "client_credentials"}
    auth = (client_id, registered.secrets[client_id])
    response = requests.post(f"{dealer_url}/oauth/token", data=form, auth=auth)
    response.raise_for_status()
    return response.json()["access_token"]


def get_users(data_app, token: str):
    headers = {"Authorization": f"Bearer {token}"}
    return data_app.test_client().get("/users", headers=headers)


def test_a_token_opens_the_data_service(dealer_server, data_app, registered):
    token = token_from(dealer_server.url, registered)
    response = get_users(data_app, token)
    assert response.status_code == 200
    assert response.json == []


def test_a_write_needs_the_write_scope(dealer_server, data_app, registered):
    token = token_from(dealer_server.url, registered, client_id="reader")
    headers = {"Authorization": f"Bearer {token}"}
    user = {"email": "runner@example.com"}
    response = data_app.test_client().post("/users", json=user, headers=headers)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    writer = {"Authorization": f"Bearer {token_from(dealer_server.url, registered)}"}
    response = data_app.test_client().post("/users", json=user, headers=writer)
    assert response.status_code == 201, response.json


def test_keys_are_cached_and_fetched_again_for_a_new_kid(
    dealer_server, data_app, registered
):
    counted = dealer_server.counted
    old_token = token_from(dealer_server.url, registered)
    assert get_users(data_app, old_token).status_code == 200
    assert get_users(data_app, old_token).status_code == 200
    assert counted.jwks_fetches == 1  # the second used the cached key

    # Rotation: the new key signs, the old one stays published for a while.
    dealer_server.keys.rotate()
    new_token = token_from(dealer_server.url, registered)
    assert get_users(data_app, new_token).status_code == 200
    assert counted.jwks_fetches == 2  # an unknown kid: the set fetched again
    assert get_users(data_app, old_token).status_code == 200  # the overlap

    # Once the old key is retired, its tokens are refused.
    dealer_server.keys.retire(dealer_server.keys.keys()[1].kid)
    data_app.extensions["bearer_auth"].jwk_set_cache.put(None)  # lifespan over
    assert get_users(data_app, old_token).status_code == 401
    assert get_users(data_app, new_token).status_code == 200


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_token_auth_caches_its_token(dealer_server, data_server, registered):
    auth = TokenAuth(dealer_server.url, CLIENT_ID, registered.secret)
    for _ in range(3):
        assert requests.get(f"{data_server.url}/users", auth=auth).status_code == 200
    assert auth.fetched == 1


def test_token_auth_renews_shortly_before_expiry(
    dealer_server, data_server, registered
):
    clock = Clock()
    auth = TokenAuth(dealer_server.url, CLIENT_ID, registered.secret, clock=clock)
    requests.get(f"{data_server.url}/users", auth=auth)
    clock.now += 300 - 31  # 31 s left: still good
    requests.get(f"{data_server.url}/users", auth=auth)
    assert auth.fetched == 1
    clock.now += 2  # 29 s left: inside the 30 s margin
    assert requests.get(f"{data_server.url}/users", auth=auth).status_code == 200
    assert auth.fetched == 2


def test_token_auth_renews_once_on_401(
    dealer_server, data_server, data_app, registered
):
    session = requests.Session()
    session.auth = TokenAuth(dealer_server.url, CLIENT_ID, registered.secret)
    assert session.get(f"{data_server.url}/users").status_code == 200
    # The key of the cached token is retired: the service refuses it.
    keys = dealer_server.keys
    old = keys.signing_key().kid
    keys.rotate()
    keys.retire(old)
    data_app.extensions["bearer_auth"].jwk_set_cache.put(None)  # its lifespan over
    response = session.get(f"{data_server.url}/users")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert session.auth.fetched == 2


def test_token_auth_retries_only_once(dealer_server, live_server, registered):
    # A service for another audience refuses every token of this client.
    other = create_app("testing", TOKEN_ISSUER=dealer_server.url)
    other.config["TOKEN_AUDIENCE"] = "runnerly-billing"
    server = live_server(other)
    auth = TokenAuth(dealer_server.url, CLIENT_ID, registered.secret)
    response = requests.get(f"{server.url}/users", auth=auth)
    assert response.status_code == 401
    assert auth.fetched == 2
    assert len(response.history) == 1
    with other.app_context():
        other.extensions["sqlalchemy"].engine.dispose()


def test_token_auth_resends_a_body(dealer_server, data_server, data_app, registered):
    session = requests.Session()
    session.auth = TokenAuth(dealer_server.url, CLIENT_ID, registered.secret)
    session.get(f"{data_server.url}/users")
    keys = dealer_server.keys
    old = keys.signing_key().kid
    keys.rotate()
    keys.retire(old)
    data_app.extensions["bearer_auth"].jwk_set_cache.put(None)  # its lifespan over
    emails = (f"runner{n}@example.com" for n in itertools.count())
    response = session.post(f"{data_server.url}/users", json={"email": next(emails)})
    assert response.status_code == 201
    assert response.json()["email"] == "runner0@example.com"


def test_unreachable_keys_are_a_503_not_a_401(free_port):
    # Nothing listens on free_port: our side's failure, said as such.
    app = create_app("testing", TOKEN_ISSUER=f"http://127.0.0.1:{free_port}")
    key = new_rsa_key()
    token = jwt.encode(
        {"sub": "x"}, key, "RS256", headers={"kid": "k", "typ": "at+jwt"}
    )
    response = get_users(app, token)
    assert response.status_code == 503
    assert response.json["status"] == 503
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
