"""Chapter 8 fixtures (data service): the service on SQLite and PostgreSQL,
and tokens signed with a test key.

The tokens are shaped as the TokenDealer makes them (RS256, ``kid``,
``typ: at+jwt``), signed by a key of chapter 7's :class:`KeyStore`. No
TokenDealer process: the service's ``PyJWKClient`` gets that key set in its
cache, as if it had fetched it from the issuer (it only fetches again for a
``kid`` it does not know, which these tokens never name).

``data_app`` is parametrized: every test using it runs once on SQLite (in
memory) and once on a fresh PostgreSQL database (``postgres_url``, marked
``integration``), so the same behaviour is proved on both.
"""

import time
import uuid
from dataclasses import dataclass

import jwt
import pytest

from chapter07.tokendealer.keys import KeyStore
from chapter08.dataservice import create_app
from testkit.contracts import A_RUN
from testkit.databases import close_database

DATA_ISSUER = "http://tokendealer.test"
DATA_AUDIENCE = "runnerly-data"
DATA_ORIGIN = "http://127.0.0.1:5002"  # the dashboard's, allowed by CORS
# What the contract registers for each service.
DATA_WORKER_SCOPE = "users:read runs:write strava:tokens sync:write"
DATA_DASHBOARD_SCOPE = "users:write strava:tokens sync:write runs:read"
DATA_ALL_SCOPES = "users:read users:write runs:read runs:write strava:tokens sync:write"


@dataclass
class DataTokens:
    """Mint tokens as the TokenDealer would; ``jwks_url`` publishes the key."""

    keys: KeyStore

    def __post_init__(self):
        self.keys.signing_key()  # made now: the key set must name it

    def install(self, app) -> None:
        """Give the service the issuer's key set, as if fetched."""
        app.extensions["bearer_auth"].jwk_set_cache.put(self.keys.jwks())

    def sign(self, claims: dict, private_key=None, headers: dict | None = None) -> str:
        key = self.keys.signing_key()
        return jwt.encode(
            claims,
            private_key or key.private_key,
            algorithm="RS256",
            headers={"kid": key.kid, "typ": "at+jwt", **(headers or {})},
        )

    def claims(self, sub: str, scope: str, lifetime: int = 300, **more) -> dict:
        now = int(time.time())
        return {
            "iss": DATA_ISSUER,
            "aud": DATA_AUDIENCE,
            "sub": sub,
            "scope": scope,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            **more,
        }

    def service(self, scope: str, client_id: str = "runnerly-worker", **more) -> str:
        """A client-credentials token of a service."""
        return self.sign(self.claims(client_id, scope, client_id=client_id, **more))

    def runner(self, runner_id, scope: str = "runs:read", **more) -> str:
        """A runner's token, as the token exchange makes it for the browser."""
        claims = self.claims(
            f"runner:{runner_id}",
            scope,
            runner_id=runner_id,
            act={"sub": "runnerly-dashboard"},
            client_id="runnerly-dashboard",
            **more,
        )
        return self.sign(claims)


def data_auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def data_tokens(tmp_path_factory) -> DataTokens:
    return DataTokens(KeyStore(tmp_path_factory.mktemp("data-keys")))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
)
def data_database_url(request) -> str:
    """In-memory SQLite, then a new PostgreSQL database: one test, two runs."""
    if request.param == "sqlite":
        return "sqlite://"
    return request.getfixturevalue("postgres_url")


def data_service(database_url: str, tokens: DataTokens, **overrides):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        TOKEN_ISSUER=DATA_ISSUER,
        CORS_ORIGINS=[DATA_ORIGIN],
        **overrides,
    )
    tokens.install(app)
    return app


@pytest.fixture
def data_app(data_database_url, data_tokens):
    app = data_service(data_database_url, data_tokens)
    yield app
    close_database(app)


@pytest.fixture
def data_client(data_app):
    return data_app.test_client()


@pytest.fixture
def data_worker(data_tokens) -> dict:
    """The worker's headers: its service token."""
    return data_auth(data_tokens.service(DATA_WORKER_SCOPE))


@pytest.fixture
def data_admin(data_tokens) -> dict:
    """Headers with every scope, to set the scene."""
    return data_auth(data_tokens.service(DATA_ALL_SCOPES, client_id="runnerly-tests"))


DATA_RUN = {**A_RUN, "strava_id": 1001}


def data_login(athlete_id: int, firstname: str = "Ada") -> dict:
    """What the dashboard sends after a Strava login."""
    return {
        "firstname": firstname,
        "lastname": "Runner",
        "strava_access_token": f"access-{athlete_id}",
        "strava_refresh_token": f"refresh-{athlete_id}",
        "strava_expires_at": 2_000_000_000,
    }


@pytest.fixture
def data_runners(data_client, data_admin) -> list[int]:
    """Two runners logged in with Strava: their user ids."""
    ids = []
    for athlete_id, name in ((501, "Ada"), (502, "Bob")):
        response = data_client.put(
            f"/users/strava/{athlete_id}",
            json=data_login(athlete_id, name),
            headers=data_admin,
        )
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    return ids
