"""Book: chapter 8, "JavaScript authentication": who may call what.

A runner's token (what the browser holds) reads that runner's own data and
nothing else; a service token needs each operation's scopes; a forged, an
expired or a malformed token is a 401. On SQLite and PostgreSQL.
"""

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chapter08.dataservice.auth import operation_security
from chapter08.dataservice.spec import load_spec
from chapter08.tests.fixtures_data import (
    DATA_DASHBOARD_SCOPE,
    DATA_RUN,
    data_auth,
    data_login,
)

OWN = ["/users/{id}", "/users/{id}/runs", "/users/{id}/months", "/users/{id}/sync"]


@pytest.mark.parametrize("path", OWN)
def test_a_runner_token_reads_its_own_data(
    data_client, data_tokens, data_runners, path
):
    ada = data_runners[0]
    headers = data_auth(data_tokens.runner(ada))
    response = data_client.get(path.format(id=ada), headers=headers)
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("path", OWN)
def test_a_runner_token_cannot_read_another_runners_data(
    data_client, data_tokens, data_runners, path
):
    ada, bob = data_runners
    headers = data_auth(data_tokens.runner(ada))
    response = data_client.get(path.format(id=bob), headers=headers)
    assert response.status_code == 403
    assert response.json == {
        "status": 403,
        "message": f"A runner token reads runner {ada}'s own data only.",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users"),
        ("get", "/users/{id}/strava-token"),
        ("put", "/users/{id}/sync"),
        ("get", "/syncs"),  # every runner's: for the worker only
        ("post", "/users/{id}/runs/import"),
        ("get", "/runs/1"),
    ],
)
def test_a_runner_token_opens_nothing_else(
    data_client, data_tokens, data_runners, method, path
):
    # Not even with more scopes: a runner token is for the runner's reads.
    ada = data_runners[0]
    token = data_tokens.runner(ada, scope="runs:read users:read strava:tokens")
    call = getattr(data_client, method)
    response = call(path.format(id=ada), json={}, headers=data_auth(token))
    assert response.status_code == 403


def test_a_runner_token_needs_runs_read(data_client, data_tokens, data_runners):
    ada = data_runners[0]
    token = data_tokens.runner(ada, scope="profile")
    response = data_client.get(f"/users/{ada}/runs", headers=data_auth(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("runner_id", ["1", True, None, 1.0])
def test_a_runner_id_that_is_no_id_is_refused(data_client, data_tokens, runner_id):
    token = data_tokens.runner(runner_id)
    response = data_client.get("/users/1/runs", headers=data_auth(token))
    assert response.status_code == 401
    assert response.json["message"] == "The runner_id claim must be an id."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/users", None),
        ("get", "/users/{id}/strava-token", None),
        ("get", "/syncs", None),
        ("post", "/users/{id}/runs/import", {"runs": [DATA_RUN]}),
        ("get", "/users/{id}/runs", None),
    ],
)
def test_the_dashboards_own_token_lacks_these_scopes(
    data_client, data_tokens, data_runners, method, path, body
):
    token = data_tokens.service(
        "users:write sync:write runs:read", "runnerly-dashboard"
    )
    call = getattr(data_client, method)
    response = call(
        path.format(id=data_runners[0]), json=body, headers=data_auth(token)
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert response.json["message"].startswith("This request needs scope ")


def test_a_strava_login_needs_both_scopes(data_client, data_tokens):
    login = data_login(9)
    token = data_tokens.service("users:write", "runnerly-dashboard")
    response = data_client.put("/users/strava/9", json=login, headers=data_auth(token))
    assert response.status_code == 403
    assert response.json["message"] == (
        "This request needs scope strava:tokens users:write."
    )
    token = data_tokens.service(DATA_DASHBOARD_SCOPE, "runnerly-dashboard")
    response = data_client.put("/users/strava/9", json=login, headers=data_auth(token))
    assert response.status_code == 201


def test_no_token_is_a_401(data_client):
    response = data_client.get("/users/1/runs")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="runnerly"'


def test_a_forged_token_is_a_401(data_client, data_tokens, data_runners):
    # Signed by another key, yet naming the issuer's: the signature fails.
    ada = data_runners[0]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = data_tokens.claims(f"runner:{ada}", "runs:read", runner_id=ada)
    token = data_tokens.sign(claims, private_key=other)
    response = data_client.get(f"/users/{ada}/runs", headers=data_auth(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json["message"] == "Signature verification failed"


def test_an_expired_token_is_a_401(data_client, data_tokens, data_runners):
    ada = data_runners[0]
    claims = data_tokens.claims(f"runner:{ada}", "runs:read", runner_id=ada)
    claims.update(iat=int(time.time()) - 600, exp=int(time.time()) - 300)
    token = data_tokens.sign(claims)
    response = data_client.get(f"/users/{ada}/runs", headers=data_auth(token))
    assert response.status_code == 401
    assert response.json["message"] == "Signature has expired"


def test_a_token_for_another_audience_is_a_401(data_client, data_tokens):
    claims = data_tokens.claims("runnerly-worker", "users:read", aud="runnerly-billing")
    response = data_client.get("/users", headers=data_auth(data_tokens.sign(claims)))
    assert response.status_code == 401


def test_health_and_ready_need_no_token(data_client):
    assert data_client.get("/health").status_code == 200
    assert data_client.get("/ready").json["status"] == "ready"


def test_every_route_must_be_in_the_spec(data_app):
    # A route nobody documented would have no security requirement: the
    # service refuses to start rather than serve it unguarded.
    data_app.add_url_rule("/backdoor", "backdoor", lambda: "open")
    with pytest.raises(RuntimeError, match="GET /backdoor is not in openapi.yaml"):
        operation_security(data_app, load_spec())
