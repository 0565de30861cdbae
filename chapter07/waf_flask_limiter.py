"""Book: chapter 7, "Rate and concurrency limiting": the same limit in Python.

Chapter 4's data service with Flask-Limiter: a rate limit per client
address, checked by the service itself, so each refused request has still
cost a Python request. The benchmark (:mod:`.machinery.benchmark`) sets it beside
nginx's limiters. Refusals are the data service's JSON errors:

    >>> app = create_app("testing", RATELIMIT_DEFAULT="2 per minute")
    >>> client = app.test_client()
    >>> [client.get("/users").status_code for _ in range(3)]
    [200, 200, 429]
    >>> refused = client.get("/users")
    >>> refused.json["status"], refused.headers["Retry-After"] in ("60", "59")
    (429, True)
    >>> dispose(app)

``Retry-After`` is when the oldest request leaves the window, a minute after
it, in whole seconds: 59 once the clock's second has changed since that
request (Flask-Limiter truncates), as it can on a busy machine.

``python -m chapter07.waf_flask_limiter`` serves on ``$PORT`` (5000); the
limit is ``FLASK_RATELIMIT_DEFAULT`` ("600 per minute" unless set).
"""

import os
import signal
import sys
import tempfile

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from chapter02.skeleton.config import config_class, with_settings
from chapter04 import dataservice
from chapter04.dataservice.serving import database_settings
from chapter04.monolith.models import db


class RateLimitSettings:
    """Flask-Limiter's settings, each one a FLASK_ variable away."""

    RATELIMIT_DEFAULT = "600 per minute"
    # One process, so its memory is enough; several need a shared storage
    # (redis://...), or each counts its own.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429


# The data service's configs, with the limiter's settings mixed in.
CONFIGS = with_settings(RateLimitSettings, dataservice.CONFIGS)


def create_app(config=None, **overrides) -> Flask:
    app = dataservice.create_app(config_class(config, CONFIGS), **overrides)
    Limiter(get_remote_address, app=app)
    return app


def dispose(app: Flask) -> None:
    """Close the database connections (the doctest's clean-up)."""
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    with tempfile.TemporaryDirectory(prefix="dataservice-") as folder:
        app = create_app(**database_settings(folder))
        limit = app.config["RATELIMIT_DEFAULT"]
        print(f"Data service on http://127.0.0.1:{port}/users, {limit}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
