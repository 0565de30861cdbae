"""TokenDealer's runner token: RFC 8693 token exchange (the contract's shape)."""

import base64
import time

import jwt
import pytest
import requests

from chapter08.tests.fixtures_stack import AUDIENCE, DASHBOARD, WORKER

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
RUNNER_ID = "urn:runnerly:token-type:runner-id"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


def basic(client_id: str, secret: str) -> dict:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def basic_of(stack_clients, client_id=DASHBOARD) -> dict:
    return basic(client_id, stack_clients.secrets[client_id])


def exchange(client, stack_clients, client_id=DASHBOARD, **form):
    form = {
        "grant_type": EXCHANGE,
        "subject_token": "42",
        "subject_token_type": RUNNER_ID,
        "scope": "runs:read",
        **form,
    }
    form = {name: value for name, value in form.items() if value is not None}
    return client.post(
        "/oauth/token", data=form, headers=basic_of(stack_clients, client_id)
    )


def verified(jwks: dict, token: str) -> dict:
    """Checked as a service would: the key named by ``kid`` in the JWK set."""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE)


def test_the_dashboard_gets_a_runner_token(stack_dealer, stack_clients):
    client = stack_dealer.test_client()
    response = exchange(client, stack_clients)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    token = body.pop("access_token")
    assert body == {
        "issued_token_type": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "runs:read",
    }
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    claims = verified(client.get("/.well-known/jwks.json").json, token)
    iat, exp, jti = (claims.pop(name) for name in ("iat", "exp", "jti"))
    assert claims == {
        "iss": "http://tokendealer.test",
        "aud": AUDIENCE,
        "sub": "runner:42",
        "runner_id": 42,
        "act": {"sub": DASHBOARD},
        "client_id": DASHBOARD,
        "scope": "runs:read",
    }
    assert (exp - iat, abs(iat - time.time()) < 60, bool(jti)) == (300, True, True)


def test_the_scope_defaults_to_runs_read(stack_dealer, stack_clients):
    response = exchange(stack_dealer.test_client(), stack_clients, scope=None)
    assert response.status_code == 200
    assert response.json["scope"] == "runs:read"


def test_the_lifetime_is_its_own_setting(stack_dealer, stack_clients):
    stack_dealer.config["RUNNER_TOKEN_LIFETIME"] = 60
    client = stack_dealer.test_client()
    assert exchange(client, stack_clients).json["expires_in"] == 60
    form = {"grant_type": "client_credentials"}
    service = client.post("/oauth/token", data=form, headers=basic_of(stack_clients))
    assert service.json["expires_in"] == 300  # TOKEN_LIFETIME, unchanged


def test_client_credentials_still_work(stack_dealer, stack_clients):
    client = stack_dealer.test_client()
    form = {"grant_type": "client_credentials"}
    response = client.post("/oauth/token", data=form, headers=basic_of(stack_clients))
    assert response.status_code == 200
    body = response.json
    assert "issued_token_type" not in body
    claims = verified(client.get("/.well-known/jwks.json").json, body["access_token"])
    assert claims["sub"] == claims["client_id"] == DASHBOARD
    assert claims["scope"] == "runs:read strava:tokens sync:write users:write"
    assert "runner_id" not in claims and "act" not in claims


@pytest.mark.parametrize("client_id", [WORKER, "truthy"])
def test_a_client_not_registered_for_it_is_unauthorized(
    stack_dealer, stack_clients, client_id
):
    # The worker has no flag; "truthy" has "yes", which is not true.
    response = exchange(stack_dealer.test_client(), stack_clients, client_id)
    assert response.status_code == 400
    assert response.json["error"] == "unauthorized_client"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_wrong_secret_is_still_invalid_client(stack_dealer):
    form = {"grant_type": EXCHANGE, "subject_token": "42"}
    form["subject_token_type"] = RUNNER_ID
    response = stack_dealer.test_client().post(
        "/oauth/token", data=form, headers=basic(DASHBOARD, "guess")
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


@pytest.mark.parametrize(
    "form",
    [
        {"subject_token": None},
        {"subject_token": ""},
        {"subject_token": "abc"},
        {"subject_token": "-1"},
        {"subject_token": "0"},
        {"subject_token": "007"},
        {"subject_token": " 42"},
        {"subject_token": "4_2"},
        {"subject_token": "٤٢"},  # Arabic-Indic digits: int() takes them
        {"subject_token": "9" * 19},  # beyond a database integer
        {"subject_token_type": None},
        {"subject_token_type": ACCESS_TOKEN},
        {"requested_token_type": "urn:ietf:params:oauth:token-type:id_token"},
        {"actor_token": "x"},
    ],
    ids=repr,
)
def test_a_bad_subject_is_invalid_request(stack_dealer, stack_clients, form):
    response = exchange(stack_dealer.test_client(), stack_clients, **form)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["error_description"]


@pytest.mark.parametrize(
    "client_id, scope",
    [
        (DASHBOARD, "users:write"),  # the client's, but not a runner's
        (DASHBOARD, "runs:read users:write"),
        (DASHBOARD, "runs:write"),
        (DASHBOARD, ""),
        ("writer", "runs:read"),  # a runner's, but not the client's
        ("writer", None),
    ],
)
def test_a_scope_beyond_runs_read_or_the_client_is_invalid_scope(
    stack_dealer, stack_clients, client_id, scope
):
    response = exchange(
        stack_dealer.test_client(), stack_clients, client_id, scope=scope
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_an_unknown_grant_lists_both(stack_dealer, stack_clients):
    client = stack_dealer.test_client()
    form = {"grant_type": "password"}
    response = client.post("/oauth/token", data=form, headers=basic_of(stack_clients))
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"
    assert EXCHANGE in response.json["error_description"]


def test_the_process_issues_tokens_its_jwks_verifies(
    stack_dealer_process, stack_clients
):
    """``python -m chapter08.tokendealer``: clients and lifetime from the
    environment; the token checked with PyJWKClient over HTTP, as services do."""
    url = stack_dealer_process.url
    assert requests.get(f"{url}/health", timeout=5).json() == {"status": "alive"}
    form = {
        "grant_type": EXCHANGE,
        "subject_token": "7",
        "subject_token_type": RUNNER_ID,
        "scope": "runs:read",
    }
    auth = (DASHBOARD, stack_clients.secrets[DASHBOARD])
    response = requests.post(f"{url}/oauth/token", data=form, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    key = jwt.PyJWKClient(f"{url}/.well-known/jwks.json").get_signing_key_from_jwt(
        token
    )
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=url)
    assert claims["runner_id"] == 7
    assert claims["exp"] - claims["iat"] == 120
    refused = requests.post(
        f"{url}/oauth/token",
        data=form,
        auth=(WORKER, stack_clients.secrets[WORKER]),
        timeout=5,
    )
    assert refused.json()["error"] == "unauthorized_client"
