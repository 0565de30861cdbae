"""Book: chapter 7, "The TokenDealer microservice": create the app.

TokenDealer gives registered services a signed JWT (RS256, with a ``kid``)
for the client-credentials grant, and publishes its public keys as a JWK
set, so any service can check a token without asking TokenDealer:

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> app = create_app("testing", KEY_DIR=folder.name)
    >>> jwks = app.test_client().get("/.well-known/jwks.json").json
    >>> [(key["kty"], key["alg"], key["use"]) for key in jwks["keys"]]
    [('RSA', 'RS256', 'sig')]
    >>> folder.cleanup()

Settings (``FLASK_`` environment variables, JSON values parsed): ``ISSUER``,
``TOKEN_LIFETIME`` (seconds), ``KEY_DIR`` (the signing keys, made on first
start), ``CLIENTS_FILE`` (registrations made by :mod:`.register`),
``CLIENTS`` (more registrations, as a JSON object), ``FAILED_LOGINS_LIMIT``
and ``FAILED_LOGINS_WINDOW`` (failed client authentications an address may
make in that many seconds: :mod:`.attempts`), and ``MAX_CONTENT_LENGTH`` (a
token request is a short form: 16 KiB, refused with 413 above).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from chapter02.skeleton.config import load_config, with_settings
from chapter02.skeleton.errors import register_json_errors

from .attempts import FailedAttempts
from .clients import Client, Clients
from .keys import KeyStore
from .views import client_credentials_grant, oauth

# Not committed (chapter07/.gitignore): made on first start, kept after.
INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class TokenDealerSettings:
    SERVICE_NAME = "tokendealer"
    ISSUER = "http://127.0.0.1:5000"
    TOKEN_LIFETIME = 300
    KEY_DIR = str(INSTANCE / "keys")
    CLIENTS_FILE = str(INSTANCE / "clients.json")
    CLIENTS: dict = {}
    FAILED_LOGINS_LIMIT = 10
    FAILED_LOGINS_WINDOW = 60
    MAX_CONTENT_LENGTH = 16 * 1024


# Chapter 2's config classes, with TokenDealer's settings mixed in.
CONFIGS = with_settings(TokenDealerSettings)


@dataclass
class TokenDealer:
    keys: KeyStore
    clients: Clients
    # grant_type -> handler(client, form) -> the token answer (a dict)
    grants: dict[str, Callable[[Client, dict], dict]] = field(default_factory=dict)
    failed: FailedAttempts = field(default_factory=FailedAttempts)


def create_app(config=None, **overrides) -> Flask:
    app = Flask(__name__)
    # No session, no cookie: no Flask secret key either.
    load_config(app, config, CONFIGS, require_secret_key=False, **overrides)
    register_json_errors(app)
    keys = KeyStore(app.config["KEY_DIR"])
    keys.signing_key()  # the first start makes one
    clients = Clients.from_file(app.config["CLIENTS_FILE"], app.config["CLIENTS"])
    grants = {"client_credentials": client_credentials_grant}
    failed = FailedAttempts(
        app.config["FAILED_LOGINS_LIMIT"], app.config["FAILED_LOGINS_WINDOW"]
    )
    app.extensions["tokendealer"] = TokenDealer(keys, clients, grants, failed)
    app.register_blueprint(oauth)
    return app
