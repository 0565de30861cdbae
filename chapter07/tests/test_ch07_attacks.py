"""Attacks on the secured data service, each refused (RFC 6750 §3.1).

Two real processes, TokenDealer and the secured data service, as a reader
would start them; the tests forge tokens the ways attackers do. Each forged
token is refused with 401 and ``WWW-Authenticate: Bearer
error="invalid_token"``; a token without the scope the route needs, 403
``insufficient_scope``.
"""

import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from jwt.algorithms import RSAAlgorithm

from chapter07.jwt_by_hand import b64url_encode, encode, hmac_sha256
from chapter07.naive_verifier import naive_decode
from chapter07.pyjwt_examples import new_rsa_key
from chapter07.tests.helpers import AUDIENCE
from chapter07.tokendealer.keys import thumbprint


def real_token(services, client_id="dashboard") -> str:
    response = requests.post(
        f"{services.dealer.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, services.registered.secrets[client_id]),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def claims(services, **changes) -> dict:
    now = int(time.time())
    base = {
        "iss": services.dealer.url,
        "sub": "dashboard",
        "client_id": "dashboard",
        "aud": AUDIENCE,
        "scope": "data:read data:write",
        "iat": now,
        "exp": now + 300,
        "jti": "forged",
    }
    return {**base, **changes}


def signed(services, key=None, kid=None, **changes) -> str:
    """A token signed RS256 with TokenDealer's own key unless ``key`` is given."""
    key = key or services.private_key()
    if kid is None:
        kid = thumbprint(services.private_key().public_key())
    headers = {"kid": kid, "typ": "at+jwt"}
    return jwt.encode(claims(services, **changes), key, "RS256", headers=headers)


def get(services, token: str | None, method="GET", authorization: str | None = None):
    """``/users`` of the data service with ``token``, or with a whole
    ``authorization`` header as given."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    if authorization is not None:
        headers = {"Authorization": authorization}
    body = {"email": "attacker@example.com"} if method == "POST" else None
    url = f"{services.data.url}/users"
    return requests.request(method, url, headers=headers, json=body)


def assert_invalid_token(response):
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert response.json()["status"] == 401  # and the data was not served


def test_a_token_from_tokendealer_is_accepted(services):
    # What the attacks below are compared with: the real thing works.
    assert get(services, real_token(services)).status_code == 200
    assert get(services, signed(services)).status_code == 200


def test_no_token(services):
    response = get(services, None)
    assert response.status_code == 401
    # RFC 6750 §3.1: no credentials, no error code: just the challenge.
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="runnerly"'


@pytest.mark.parametrize("header", ["Basic YTpi", "", "Digest x=1"])
def test_no_bearer_credentials_get_the_bare_challenge(services, header):
    # Another scheme carries no bearer token: as if none was sent (§3.1).
    response = get(services, None, authorization=header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="runnerly"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer  ", "Bearer a b"])
def test_a_malformed_bearer_header_is_invalid_request(services, header):
    response = get(services, None, authorization=header)
    assert response.status_code == 400
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    assert response.json()["status"] == 400


def test_not_a_jwt(services):
    url = f"{services.data.url}/users"
    headers = {"Authorization": "Bearer not.a.jwt"}
    assert_invalid_token(requests.get(url, headers=headers))


def test_head_is_get_without_the_body(services):
    response = get(services, real_token(services), method="HEAD")
    assert response.status_code == 200
    assert response.content == b""


def test_a_method_no_route_takes_is_405_once_the_token_is_checked(services):
    token = real_token(services)
    assert get(services, token, method="PUT").status_code == 405
    assert get(services, None, method="PUT").status_code == 401


def test_alg_none(services):
    kid = thumbprint(services.private_key().public_key())
    header = {"alg": "none", "typ": "at+jwt", "kid": kid}
    forged = f"{encode(header)}.{encode(claims(services))}."
    assert_invalid_token(get(services, forged))


def public_pem(services) -> bytes:
    """The public key as anyone can get it: from the JWK set, made a PEM."""
    jwks = requests.get(f"{services.dealer.url}/.well-known/jwks.json").json()
    public_key = RSAAlgorithm.from_jwk(jwks["keys"][0])
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_hs256_signed_with_the_public_key(services):
    pem = public_pem(services)
    kid = thumbprint(services.private_key().public_key())
    unsigned = f"{encode({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}."
    unsigned += encode(claims(services, sub="admin"))
    forged = f"{unsigned}.{b64url_encode(hmac_sha256(pem, unsigned + '.'))}"
    assert naive_decode(forged, pem)["sub"] == "admin"  # the naive one: fooled
    assert_invalid_token(get(services, forged))  # ours: refused


def test_expired(services):
    now = int(time.time())
    assert_invalid_token(get(services, signed(services, iat=now - 600, exp=now - 300)))


def test_not_yet_valid(services):
    later = int(time.time()) + 3600
    token = signed(services, iat=later, nbf=later, exp=later + 300)
    assert_invalid_token(get(services, token))


def test_wrong_audience(services):
    # A genuine token, from TokenDealer itself, for another service.
    assert_invalid_token(get(services, real_token(services, "billing")))
    assert_invalid_token(get(services, signed(services, aud="runnerly-billing")))


def test_wrong_issuer(services):
    assert_invalid_token(get(services, signed(services, iss="http://evil.example")))


@pytest.mark.parametrize(
    "kid",
    [
        "no-such-key",
        "../../../../etc/passwd",
        "' OR '1'='1",
        "x" * 10_000,
        "",
        'a"\r\nX-Injected: 1',  # a header of its own, if echoed as it is
        "clé\\",
    ],
)
def test_unknown_or_hostile_kid(services, kid):
    response = get(services, signed(services, kid=kid))
    assert_invalid_token(response)
    assert "X-Injected" not in response.headers


@pytest.mark.parametrize("kid", [None, 42, ["a"], {"kid": "x"}])
def test_a_kid_that_is_not_a_string(services, kid):
    header = {"alg": "RS256", "typ": "at+jwt"}
    if kid is not None:
        header["kid"] = kid
    # PyJWT will not write such a header: signed by hand.
    unsigned = f"{encode(header)}.{encode(claims(services))}"
    signature = services.private_key().sign(
        unsigned.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert_invalid_token(get(services, f"{unsigned}.{b64url_encode(signature)}"))


def test_payload_changed_after_signing(services):
    header, _, signature = real_token(services, "reader").split(".")
    escalated = claims(services, sub="reader", scope="data:read data:write")
    forged = f"{header}.{encode(escalated)}.{signature}"
    assert_invalid_token(get(services, forged, method="POST"))
    assert_invalid_token(get(services, forged))


def test_signed_by_another_key(services):
    other = new_rsa_key()
    # Claiming to be TokenDealer's key, and under its own kid.
    assert_invalid_token(get(services, signed(services, key=other)))
    own_kid = thumbprint(other.public_key())
    assert_invalid_token(get(services, signed(services, key=other, kid=own_kid)))


def test_not_an_access_token(services):
    # Signed by the right key, but a plain JWT, not RFC 9068's at+jwt.
    token = jwt.encode(
        claims(services),
        services.private_key(),
        "RS256",
        headers={"kid": thumbprint(services.private_key().public_key())},
    )
    assert_invalid_token(get(services, token))


def test_a_missing_claim(services):
    token = jwt.encode(
        {k: v for k, v in claims(services).items() if k != "exp"},
        services.private_key(),
        "RS256",
        headers={
            "kid": thumbprint(services.private_key().public_key()),
            "typ": "at+jwt",
        },
    )
    assert_invalid_token(get(services, token))


@pytest.mark.parametrize("scope", [["data:read"], 42, None])
def test_a_scope_of_the_wrong_type(services, scope):
    assert_invalid_token(get(services, signed(services, scope=scope)))


def test_a_scope_the_route_does_not_allow(services):
    response = get(services, real_token(services, "reader"), method="POST")
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="data:write"' in challenge  # §3: what to ask for
    assert response.json()["status"] == 403
