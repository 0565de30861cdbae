"""Book: chapter 7, "Using TokenDealer": a service that requires a token.

A Flask extension: every request needs ``Authorization: Bearer <JWT>``
signed by a key of the issuer's JWK set (fetched with ``PyJWKClient``,
cached, fetched again when a token names a ``kid`` it does not know), for
this service (``aud``), from this issuer (``iss``), in its lifetime, with
the scope its route needs (HEAD is GET without the body: GET's scope). A
refusal is RFC 6750's: 401 with a bare challenge when no bearer token was
sent (no header, or another scheme such as Basic), 400 ``invalid_request``
for a malformed one, 401 ``invalid_token``, or 403 ``insufficient_scope``
naming the ``scope`` needed. A method that no route takes is Flask's 405, once
the token is checked.

Settings: ``TOKEN_ISSUER`` (TokenDealer's URL), ``TOKEN_AUDIENCE`` (this
service's name), ``TOKEN_JWKS_URL`` (default: the issuer's
``/.well-known/jwks.json``), ``TOKEN_SCOPES`` (HTTP method -> scope),
``TOKEN_JWKS_LIFESPAN`` and ``TOKEN_JWKS_COOLDOWN`` (seconds, see below).
"""

import jwt
from flask import Flask, current_app, request
from werkzeug.exceptions import Forbidden, HTTPException, ServiceUnavailable

ALGORITHMS = ["RS256"]  # what TokenDealer signs with; never the token's say
REALM = "runnerly"


class BearerError(HTTPException):
    """An RFC 6750 §3 refusal, as the skeleton's JSON error plus its header."""

    def __init__(
        self, status: int, error: str | None, description: str, scope: str = ""
    ):
        super().__init__(description)
        self.code = status
        params = [f'realm="{REALM}"']
        if error:  # §3.1: a request with no token gets no error code
            params += [f'error="{error}"', f'error_description="{description}"']
        if scope:  # §3: the scope the request needs, for the client to ask
            params.append(f'scope="{scope}"')
        self.www_authenticate = "Bearer " + ", ".join(params)

    def get_headers(self, environ=None, scope=None):
        return [("WWW-Authenticate", self.www_authenticate)]


def invalid_token(description: str) -> BearerError:
    return BearerError(401, "invalid_token", description)


def insufficient_scope(scope: str) -> BearerError:
    return BearerError(
        403, "insufficient_scope", f"This request needs scope {scope}.", scope
    )


class BearerAuth:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("TOKEN_AUDIENCE", "runnerly-data")
        app.config.setdefault("TOKEN_ISSUER", "http://127.0.0.1:5000")
        app.config.setdefault(
            "TOKEN_SCOPES", {"GET": "data:read", "POST": "data:write"}
        )
        jwks_url = app.config.get(
            "TOKEN_JWKS_URL", app.config["TOKEN_ISSUER"] + "/.well-known/jwks.json"
        )
        app.config.setdefault("TOKEN_JWKS_LIFESPAN", 300)
        app.config.setdefault("TOKEN_JWKS_COOLDOWN", 30)
        # The key set is cached for TOKEN_JWKS_LIFESPAN seconds, so a retired
        # key stops working within that time. A kid not in it makes the client
        # fetch the set again (a rotated key), but at most once per
        # TOKEN_JWKS_COOLDOWN seconds: tokens with made-up kids cannot make
        # it hammer TokenDealer. No per-key LRU (cache_keys): it would keep a
        # retired key for as long as the process lives.
        app.extensions["bearer_auth"] = jwt.PyJWKClient(
            jwks_url,
            cache_jwk_set=True,
            lifespan=app.config["TOKEN_JWKS_LIFESPAN"],
            cooldown_duration=app.config["TOKEN_JWKS_COOLDOWN"],
            timeout=5,
        )
        app.before_request(self.check)

    @staticmethod
    def check() -> None:
        claims = verify(bearer_token())
        if request.routing_exception is not None:
            return  # Flask's own answer: 404, or 405 for a method no route takes
        method = "GET" if request.method == "HEAD" else request.method
        needed = current_app.config["TOKEN_SCOPES"].get(method)
        if needed is None:
            raise Forbidden(f"No scope allows {method} here.")
        if needed not in claims["scope"].split():
            raise insufficient_scope(needed)


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        # No bearer credentials at all (none, or Basic...): the bare challenge.
        raise BearerError(401, None, "A bearer token is required.")
    token = token.strip()
    if not token or " " in token:
        raise BearerError(400, "invalid_request", "Malformed Authorization header.")
    return token


def verify(token: str) -> dict:
    """The token's claims, once every check passed; otherwise invalid_token."""
    config = current_app.config
    try:
        header = jwt.get_unverified_header(token)
        # RFC 9068 §4: an access token, not any JWT the issuer signed.
        if header.get("typ") not in ("at+jwt", "application/at+jwt"):
            raise invalid_token("Not an access token.")
        if not isinstance(header.get("kid"), str):
            raise invalid_token("The token names no key.")
        key = current_app.extensions["bearer_auth"].get_signing_key(header["kid"])
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=config["TOKEN_AUDIENCE"],
            issuer=config["TOKEN_ISSUER"],
            options={"require": ["exp", "iat", "iss", "aud", "sub", "scope"]},
        )
    except jwt.PyJWKClientConnectionError:
        # Our side's failure, not the client's: not a 401.
        raise ServiceUnavailable("The token issuer's keys are unreachable.") from None
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as error:
        raise invalid_token(describe(error)) from None
    # Signed by the issuer, yet of the wrong shape: refused, not a 500.
    if not isinstance(claims["scope"], str):
        raise invalid_token("The scope claim must be a string.")
    return claims


def describe(error: Exception) -> str:
    """A short reason fit for the header (RFC 6750 §3: printable ASCII but
    ``"`` and ``\\``): PyJWT's messages may quote the token's own ``kid``,
    which an attacker writes (line breaks included)."""
    text = str(error).replace('"', "'")
    return "".join(c for c in text if " " <= c <= "~" and c != "\\")[:200]
