"""Book: chapter 10, "Docker-based deployments": two of Runnerly's
containers working together.

TokenDealer's container issues a token with the client-credentials grant;
the data service's container checks it against TokenDealer's JWK set and
answers. Both run from their images, read-only, on the host's loopback
network (the only network here), as Compose runs them on its own.
"""

import json

import pytest
import requests

from chapter07.tokendealer.clients import register
from testkit.ports import free_port

AUDIENCE = "runnerly-data"
SCOPE = "users:read runs:write strava:tokens sync:write"


@pytest.fixture
def dealer_and_data(runnerly_image, run_container):
    registration = register("runnerly-worker", AUDIENCE, SCOPE)
    dealer_port, data_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{dealer_port}"
    dealer = run_container(
        runnerly_image("tokendealer"),
        "serve", f"--bind=127.0.0.1:{dealer_port}",
        port=dealer_port,
        env={
            "FLASK_ISSUER": issuer,
            "FLASK_KEY_DIR": "/tmp/keys",
            "FLASK_CLIENTS_FILE": "/tmp/no-clients.json",
            # Registrations hold the secret's hash only.
            "FLASK_CLIENTS": json.dumps({"runnerly-worker": registration.entry}),
        },
    )  # fmt: skip
    data = run_container(
        runnerly_image("dataservice"),
        "serve", f"--bind=127.0.0.1:{data_port}",
        port=data_port,
        env={
            "FLASK_SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/runnerly.db",
            "FLASK_TOKEN_ISSUER": issuer,
            "FLASK_TOKEN_AUDIENCE": AUDIENCE,
        },
    )  # fmt: skip
    dealer.wait_for("/health")
    data.wait_for("/health")
    return dealer, data, registration.secret


def test_a_token_from_one_container_opens_the_other(dealer_and_data):
    dealer, data, secret = dealer_and_data
    answer = requests.post(
        dealer.url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("runnerly-worker", secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    users = requests.get(
        data.url + "/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert users.status_code == 200, users.text
    assert users.json() == []
    refused = requests.get(data.url + "/users", timeout=10)
    assert refused.status_code == 401
    assert refused.json()["status"] == 401
