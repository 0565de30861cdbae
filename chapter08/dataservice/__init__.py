"""The data service, secured (book: chapter 8, "Interacting with Data Service").

Chapter 4's data service (its tables, views and JSON errors), extended: each
operation needs a token from the TokenDealer with its own scopes (chapter 7's
bearer checks, the scopes read from ``openapi.yaml``), a runner's token from
the browser reads that runner's data only, CORS lets the dashboard's origin
call it from JavaScript, and there is more to call: runs by month, month
totals, an idempotent import, the Strava tokens, the sync state. Chapter 6's
``/health`` and ``/ready`` need no token::

    >>> app = create_app("testing")
    >>> client = app.test_client()
    >>> client.get("/health").json
    {'status': 'alive'}
    >>> response = client.get("/users")
    >>> response.status_code, response.json["message"]
    (401, 'A bearer token is required.')
    >>> with app.app_context():  # done: close its database connection
    ...     db.engine.dispose()

Settings (``FLASK_`` environment variables, as chapter 2's ``load_config``):
``SQLALCHEMY_DATABASE_URI``, ``TOKEN_ISSUER``, ``TOKEN_AUDIENCE``,
``CORS_ORIGINS`` (a JSON list: ``FLASK_CORS_ORIGINS='["http://..."]'``).
"""

from flask import Flask
from flask_cors import CORS
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

from chapter02.skeleton.config import config_class, with_settings
from chapter02.skeleton.errors import error_response
from chapter04 import dataservice
from chapter04.contract import body_validators
from chapter04.monolith.models import db
from chapter06.health import Health

from . import views
from .auth import OperationAuth
from .spec import load_spec


class SecuredSettings:
    # The stack's ports (python -m chapter08): TokenDealer 5001, dashboard 5002.
    TOKEN_ISSUER = "http://127.0.0.1:5001"
    TOKEN_AUDIENCE = "runnerly-data"
    # flask-cors reads its CORS_* settings from the config. The browser only
    # reads (GET) and sends a bearer token, no cookie: no credentials.
    CORS_ORIGINS = ["http://127.0.0.1:5002"]
    CORS_METHODS = ["GET"]
    CORS_ALLOW_HEADERS = ["Authorization"]
    CORS_SUPPORTS_CREDENTIALS = False
    CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight's answer


# Chapter 4's data service configs, with this chapter's settings mixed in.
CONFIGS = with_settings(SecuredSettings, dataservice.CONFIGS)


def create_app(config=None, **overrides) -> Flask:
    """Chapter 4's factory, then what chapter 8 adds (``None``: ``FLASK_CONFIG``)."""
    app = dataservice.create_app(config_class(config, CONFIGS), **overrides)
    # Two of chapter 4's operations take query parameters now: same URLs,
    # same endpoints, extended views.
    app.view_functions["data.list_users"] = views.list_users
    app.view_functions["data.list_runs"] = views.list_runs
    app.register_blueprint(views.api)
    Health(app)
    # Chapter 4's contract with this chapter's merged over it: the bodies of
    # both chapters' operations are checked against the merged document.
    spec = app.extensions["openapi"] = load_spec()
    app.extensions["body_validators"] = body_validators(spec)
    app.register_error_handler(DataError, database_refused)
    CORS(app)
    OperationAuth(app)  # last: it checks that every route is in the spec
    with app.app_context():
        db.create_all()  # sync_states, if the database predates chapter 8
    return app


def database_refused(error: DataError):
    """A value the database will not store (PostgreSQL: a number beyond its
    column, a NUL in a text) is the client's error, not a 500."""
    db.session.rollback()
    return error_response(BadRequest("A value is out of range for the database."))
