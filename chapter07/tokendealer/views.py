"""Book: chapter 7, "The POST /oauth/token implementation".

The client-credentials grant (RFC 6749 §4.4): the client authenticates with
HTTP Basic or with ``client_id`` and ``client_secret`` in the form, and gets
a JWT access token in the RFC 9068 profile. Errors are RFC 6749 §5.2's:
JSON with ``error`` (and ``error_description``), 400, or 401 with
``WWW-Authenticate`` for a client that failed to authenticate.

The endpoint authenticates the client, then hands the form to the handler
of its ``grant_type`` in ``TokenDealer.grants``: a later chapter adds a
grant there without touching this view.
"""

import base64
import binascii
import time
import uuid
from urllib.parse import unquote_plus

import jwt
from flask import Blueprint, current_app, jsonify, request

from .clients import Client
from .keys import ALGORITHM

oauth = Blueprint("oauth", __name__)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.retry_after: int | None = None

    def retry_in(self, seconds: int) -> "OAuthError":
        self.retry_after = seconds
        return self


@oauth.errorhandler(OAuthError)
def oauth_error(error: OAuthError):
    response = jsonify(error=error.error, error_description=error.description)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="tokendealer"'
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return no_store(response)


def no_store(response):
    # RFC 6749 §5.1: a token (or its refusal) is never cached.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@oauth.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(current_app.extensions["tokendealer"].keys.jwks())
    # Public, and cached as long as verifiers keep it (bearer_auth's
    # TOKEN_JWKS_LIFESPAN): a retired key is gone from every cache within it.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@oauth.post("/oauth/token")
def token():
    dealer = current_app.extensions["tokendealer"]
    form = checked_form()
    client_id, secret = client_credentials(form)
    address = request.remote_addr or ""
    wait = dealer.failed.retry_after(address)
    if wait is not None:  # before any hash is computed: that is the point
        raise OAuthError(
            "invalid_client", f"Too many failed attempts: retry in {wait} s.", 429
        ).retry_in(wait)
    client = dealer.clients.authenticate(client_id, secret)
    if client is None:
        dealer.failed.failed(address)
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    dealer.failed.succeeded(address)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "Missing grant_type.")
    grant = dealer.grants.get(grant_type)
    if grant is None:
        supported = ", ".join(dealer.grants)
        raise OAuthError("unsupported_grant_type", f"Supported here: {supported}.")
    return no_store(jsonify(grant(client, form)))


def client_credentials_grant(client: Client, form: dict[str, str]) -> dict:
    """RFC 6749 §4.4.3: the token answer for the client itself."""
    scope = granted_scope(form.get("scope"), client.scope)
    lifetime = current_app.config["TOKEN_LIFETIME"]
    return token_answer(client, scope, lifetime, sub=client.client_id)


def token_answer(client: Client, scope: set[str], lifetime: int, **subject) -> dict:
    """The token answer: an access token for ``client`` with this ``scope``,
    its subject's claims (``sub``...) after the issuer, then the rest."""
    now = int(time.time())
    claims = {
        "iss": current_app.config["ISSUER"],
        **subject,
        "client_id": client.client_id,
        "aud": client.audience,  # the registration's, never the request's
        "scope": " ".join(sorted(scope)),
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
    }
    return {
        "access_token": signed(claims),
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": claims["scope"],
    }


def signed(claims: dict) -> str:
    """An RFC 9068 JWT access token, signed with the newest key."""
    key = current_app.extensions["tokendealer"].keys.signing_key()
    return jwt.encode(
        claims,
        key.private_key,
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": "at+jwt"},
    )


def checked_form() -> dict[str, str]:
    if request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "The body must be application/x-www-form-urlencoded."
        )
    # RFC 6749 §3.2: a parameter sent twice is an invalid request.
    for name, values in request.form.lists():
        if len(values) > 1:
            raise OAuthError("invalid_request", f"Parameter {name} sent twice.")
    return request.form.to_dict()


def client_credentials(form: dict[str, str]) -> tuple[str, str]:
    """From HTTP Basic or from the form; both at once is refused (§2.3)."""
    header = request.headers.get("Authorization")
    in_form = "client_id" in form or "client_secret" in form
    if header is not None:
        if in_form:
            raise OAuthError(
                "invalid_request", "Use one client authentication method, not two."
            )
        return basic_credentials(header)
    if not in_form:
        raise OAuthError("invalid_client", "No client authentication.", 401)
    return form.get("client_id", ""), form.get("client_secret", "")


def basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    try:
        if scheme.lower() != "basic":
            raise ValueError(scheme)
        decoded = base64.b64decode(value, validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OAuthError(
            "invalid_client", "Malformed Basic credentials.", 401
        ) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic.
    return unquote_plus(client_id), unquote_plus(secret)


def granted_scope(requested: str | None, registered: frozenset[str]) -> set[str]:
    """The registered scope, or the part of it the client asked for."""
    if requested is None:
        return set(registered)
    wanted = set(requested.split())
    if not wanted or not wanted <= registered:
        raise OAuthError(
            "invalid_scope", "The requested scope exceeds the client's scope."
        )
    return wanted
