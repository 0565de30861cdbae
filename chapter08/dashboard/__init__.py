"""The dashboard (book: chapter 8, "Building a ReactJS dashboard").

A small Flask service: the runner logs in with Strava, the session keeps
who they are, and the page it serves is a Preact app (no build step: ES
modules vendored from npm, see ``static/vendor/manifest.json``) that reads
the runner's runs straight from the data service with a runner token from
``/api/token``. ``python -m chapter08.dashboard`` serves it on ``$PORT``.

    >>> app = create_app("testing")
    >>> sorted(rule.rule for rule in app.url_map.iter_rules()
    ...        if not rule.rule.startswith("/static"))
    ['/', '/api/sync', '/api/token', '/authorized', '/health', '/login', '/logout']
    >>> app.test_client().get("/api/token").json
    {'message': 'Log in with Strava first.', 'status': 401}
"""

import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

from celery import Celery
from flask import Flask
from flask_wtf import CSRFProtect

from chapter02.skeleton.config import Config, load_config
from chapter06.health import alive
from chapter07.security_headers import DEFAULT_CSP, SecurityHeaders

from .api import api
from .config import CONFIGS
from .errors import register_errors
from .services import Services
from .strava_login import strava_login
from .sync_queue import make_celery

csrf = CSRFProtect()


@dataclass
class Dashboard:
    """What the views share: the clients of other services, built once."""

    services: Services
    celery: Celery
    public_data_url: str


def origin(url: str) -> str:
    """``http://127.0.0.1:5003/api`` -> ``http://127.0.0.1:5003``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(data_service: str) -> dict[str, str]:
    """Chapter 07's policy, and the page's script may call the data service."""
    return {
        **DEFAULT_CSP,
        "script-src": "'self'",  # modules from here only; nothing inline
        "style-src": "'self'",
        "img-src": "'self'",
        "connect-src": f"'self' {origin(data_service)}",
    }


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """The dashboard for ``config`` (``None``: ``FLASK_CONFIG`` names it)."""
    app = Flask(__name__)
    load_config(app, config, CONFIGS, **overrides)
    public = app.config["DATA_SERVICE_PUBLIC_URL"] or app.config["DATA_SERVICE_URL"]
    app.extensions["dashboard"] = Dashboard(
        services=Services(app.config),
        celery=make_celery(app.config),
        public_data_url=public.rstrip("/"),
    )
    # Not every system's MIME table knows .mjs, and a module script served
    # as anything but JavaScript does not run.
    mimetypes.add_type("text/javascript", ".mjs")
    # Secure cookies (HTTPS only) in production, unless the settings say the
    # dashboard is served on plain http:// (the others run on http://).
    SecurityHeaders(
        app,
        development=not app.config["SESSION_COOKIE_SECURE"],
        csp=content_security_policy(public),
    )
    csrf.init_app(app)
    register_errors(app)
    app.add_url_rule("/health", view_func=alive)
    app.register_blueprint(strava_login)
    app.register_blueprint(api)
    return app
