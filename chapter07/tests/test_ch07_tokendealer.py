"""TokenDealer: POST /oauth/token (RFC 6749 §4.4, §5.2), the JWK set, keys."""

import base64
import hashlib
import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from chapter07.tests.helpers import AUDIENCE, CLIENT_ID
from chapter07.tokendealer import INSTANCE, create_app
from chapter07.tokendealer import clients as clients_module
from chapter07.tokendealer.clients import Clients, hash_secret, secret_matches
from chapter07.tokendealer.register import main as register_main


def basic(client_id: str, secret: str) -> dict:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def ask(client, registered, form=None, client_id=CLIENT_ID, **kwargs):
    form = {"grant_type": "client_credentials", **(form or {})}
    headers = basic(client_id, registered.secrets[client_id])
    return client.post("/oauth/token", data=form, headers=headers, **kwargs)


def claims_of(dealer, token: str) -> dict:
    key = dealer.extensions["tokendealer"].keys.signing_key().private_key
    return jwt.decode(token, key.public_key(), algorithms=["RS256"], audience=AUDIENCE)


def test_client_credentials_with_basic_gives_an_rfc9068_token(
    client, dealer, registered
):
    response = ask(client, registered)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    token = body.pop("access_token")
    assert body == {
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "data:read data:write",
    }
    kid = dealer.extensions["tokendealer"].keys.signing_key().kid
    header = jwt.get_unverified_header(token)
    assert (header["typ"], header["alg"], header["kid"]) == ("at+jwt", "RS256", kid)
    claims = claims_of(dealer, token)
    assert (claims["iss"], claims["aud"]) == ("http://tokendealer.test", AUDIENCE)
    assert claims["sub"] == claims["client_id"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) == 36


def test_each_token_has_its_own_jti(client, dealer, registered):
    tokens = [ask(client, registered).json["access_token"] for _ in range(2)]
    assert len({claims_of(dealer, token)["jti"] for token in tokens}) == 2


def test_client_credentials_in_the_form_work_too(client, registered):
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": registered.secret,
    }
    assert client.post("/oauth/token", data=form).status_code == 200


def test_the_client_cannot_choose_its_audience(client, dealer, registered):
    # RFC 8707's resource and the published TokenDealer's audience: ignored.
    form = {"audience": "runnerly-billing", "resource": "http://billing"}
    token = ask(client, registered, form).json["access_token"]
    assert claims_of(dealer, token)["aud"] == AUDIENCE


def test_a_requested_scope_can_narrow_it(client, dealer, registered):
    response = ask(client, registered, {"scope": "data:read"})
    assert response.json["scope"] == "data:read"
    assert claims_of(dealer, response.json["access_token"])["scope"] == "data:read"


@pytest.mark.parametrize("scope", ["admin", "data:read admin", ""])
def test_a_scope_beyond_the_registration_is_invalid_scope(client, registered, scope):
    response = ask(client, registered, {"scope": scope}, client_id="reader")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def assert_invalid_client(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert response.json["error"] == "invalid_client"
    assert "error_description" in response.json


def test_an_unknown_client_is_401_invalid_client(client, registered):
    form = {"grant_type": "client_credentials"}
    response = client.post("/oauth/token", data=form, headers=basic("nobody", "x"))
    assert_invalid_client(response)


def test_a_wrong_secret_is_401_invalid_client(client):
    form = {"grant_type": "client_credentials"}
    response = client.post("/oauth/token", data=form, headers=basic(CLIENT_ID, "x"))
    assert_invalid_client(response)
    form.update(client_id=CLIENT_ID, client_secret="x")
    assert_invalid_client(client.post("/oauth/token", data=form))


@pytest.mark.parametrize(
    "authorization", ["Bearer abc", "Basic !!!", "Basic " + "bm9jb2xvbg=="]
)
def test_malformed_basic_is_401_invalid_client(client, authorization):
    form = {"grant_type": "client_credentials"}
    headers = {"Authorization": authorization}
    assert_invalid_client(client.post("/oauth/token", data=form, headers=headers))


def test_no_client_authentication_is_401_invalid_client(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert_invalid_client(response)


def test_failed_logins_past_the_limit_are_refused_before_any_hash(
    client, registered, monkeypatch
):
    hashes = []
    real = clients_module.secret_matches
    monkeypatch.setattr(
        clients_module,
        "secret_matches",
        lambda *args: hashes.append(1) or real(*args),
    )
    form = {"grant_type": "client_credentials"}
    wrong = basic(CLIENT_ID, "guess")
    for _ in range(10):  # FAILED_LOGINS_LIMIT
        assert_invalid_client(client.post("/oauth/token", data=form, headers=wrong))
    refused = client.post("/oauth/token", data=form, headers=wrong)
    assert refused.status_code == 429
    assert refused.json["error"] == "invalid_client"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(hashes) == 10  # the 11th cost nothing
    # Even the right secret waits, from that address; another address does not.
    assert ask(client, registered).status_code == 429
    other = {"REMOTE_ADDR": "127.0.0.2"}
    assert ask(client, registered, environ_base=other).status_code == 200


def test_at_most_two_secret_hashes_at_once(monkeypatch):
    running, most = 0, 0
    lock = threading.Lock()
    real_scrypt = hashlib.scrypt

    def counted_scrypt(*args, **kwargs):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real_scrypt(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    stored = hash_secret("right")
    monkeypatch.setattr(clients_module.hashlib, "scrypt", counted_scrypt)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: secret_matches("wrong", stored), range(16)))
    assert results == [False] * 16
    assert most == 2


@pytest.mark.parametrize("size", [20_000, 10_000_000])
def test_a_token_request_body_is_a_short_form(client, registered, size):
    # A client id, a secret, a grant type: 16 KiB is plenty; more is 413.
    form = {"grant_type": "client_credentials", "padding": "x" * size}
    response = ask(client, registered, form)
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_an_unsupported_grant_type(client, registered):
    response = ask(client, registered, {"grant_type": "password"})
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_invalid_requests(client, registered):
    headers = basic(CLIENT_ID, registered.secret)
    missing_grant = client.post("/oauth/token", data={}, headers=headers)
    as_json = client.post(
        "/oauth/token", json={"grant_type": "client_credentials"}, headers=headers
    )
    twice = client.post(
        "/oauth/token",
        data="grant_type=client_credentials&grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    both_methods = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID},
        headers=headers,
    )
    for response in (missing_grant, as_json, twice, both_methods):
        assert response.status_code == 400, response.json
        assert response.json["error"] == "invalid_request"


def test_the_token_endpoint_takes_post_only(client):
    response = client.get("/oauth/token")
    assert response.status_code == 405
    assert response.is_json


def test_the_jwks_is_a_valid_jwk_set(client, dealer):
    jwks = client.get("/.well-known/jwks.json").json
    assert list(jwks) == ["keys"]  # an object, not a bare list
    (key,) = jwks["keys"]
    assert key["kid"] == dealer.extensions["tokendealer"].keys.signing_key().kid
    assert not key["n"].startswith("-----")  # base64url, not a PEM
    assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}  # no private part
    assert jwt.PyJWKSet.from_dict(jwks)[key["kid"]].key_type == "RSA"


def test_the_jwks_may_be_cached_as_long_as_verifiers_keep_it(client, dealer):
    answer = client.get("/.well-known/jwks.json")
    assert answer.headers["Cache-Control"] == "public, max-age=300"


def test_keys_are_made_on_first_start_and_kept(tmp_path):
    folder = tmp_path / "keys"
    first = create_app("testing", KEY_DIR=str(folder), CLIENTS_FILE="none.json")
    kid = first.extensions["tokendealer"].keys.signing_key().kid
    (path,) = folder.glob("key-*.pem")
    assert path.stat().st_mode & 0o777 == 0o600
    again = create_app("testing", KEY_DIR=str(folder), CLIENTS_FILE="none.json")
    assert again.extensions["tokendealer"].keys.signing_key().kid == kid


def test_the_instance_folder_is_ignored_by_git():
    # Where keys and registrations go by default: never committed.
    result = subprocess.run(
        ["git", "check-ignore", "-q", str(INSTANCE / "keys" / "key-1.pem")],
        cwd=INSTANCE.parent,
    )
    assert result.returncode == 0


def test_secrets_are_stored_hashed_and_checked(tmp_path, monkeypatch, capsys):
    path = tmp_path / "clients.json"
    monkeypatch.setenv("FLASK_CLIENTS_FILE", str(path))
    register_main(["runner", AUDIENCE, "data:read"])
    secret = capsys.readouterr().out.strip()
    stored = path.read_text()
    assert secret not in stored
    entry = json.loads(stored)["runner"]
    assert entry["secret_hash"].startswith("scrypt$")
    assert entry["audience"] == AUDIENCE
    assert Clients.from_file(path).authenticate("runner", secret).scope == {"data:read"}


def test_hashes_are_salted():
    assert hash_secret("same") != hash_secret("same")
    assert secret_matches("same", hash_secret("same"))
    assert not secret_matches("other", hash_secret("same"))
