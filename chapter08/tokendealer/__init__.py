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

from chapter07.tokendealer import create_app as create_chapter07_app

from .exchange import GRANT_TYPE, token_exchange_grant


def create_app(config=None, **overrides) -> Flask:
    app = create_chapter07_app(config, **overrides)
    # Set by FLASK_RUNNER_TOKEN_LIFETIME or an override, else five minutes:
    # the browser asks for a new one before it expires.
    app.config.setdefault("RUNNER_TOKEN_LIFETIME", 300)
    app.extensions["tokendealer"].grants[GRANT_TYPE] = token_exchange_grant
    # Alive as long as it serves: it needs nothing else to answer.
    app.add_url_rule("/health", "health", lambda: {"status": "alive"})
    return app
