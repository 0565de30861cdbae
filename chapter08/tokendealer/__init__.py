"""Book: chapter 8, "Authentication and authorization": TokenDealer, grown.

Chapter 7's TokenDealer (client credentials, the JWK set, the same
settings) with one more grant, RFC 8693 token exchange for the runner
token (see :mod:`.exchange`), a ``RUNNER_TOKEN_LIFETIME`` setting (seconds,
300) and ``GET /health``:

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> app = create_app("testing", KEY_DIR=folder.name, CLIENTS_FILE="none")
    >>> sorted(app.extensions["tokendealer"].grants)
    ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange']
    >>> app.test_client().get("/health").json
    {'status': 'alive'}
    >>> folder.cleanup()

A client may use the new grant when its registration (``FLASK_CLIENTS``)
says ``"token_exchange": true``.
"""

from flask import Flask

from chapter02.skeleton.config import config_class, with_settings
from chapter07 import tokendealer

from .exchange import GRANT_TYPE, token_exchange_grant


class ExchangeSettings:
    # Set by FLASK_RUNNER_TOKEN_LIFETIME or an override, else five minutes:
    # the browser asks for a new one before it expires.
    RUNNER_TOKEN_LIFETIME = 300


# Chapter 7's configs, with this chapter's setting mixed in.
CONFIGS = with_settings(ExchangeSettings, tokendealer.CONFIGS)


def create_app(config=None, **overrides) -> Flask:
    app = tokendealer.create_app(config_class(config, CONFIGS), **overrides)
    app.extensions["tokendealer"].grants[GRANT_TYPE] = token_exchange_grant
    # Alive as long as it serves: it needs nothing else to answer.
    app.add_url_rule("/health", "health", lambda: {"status": "alive"})
    return app
