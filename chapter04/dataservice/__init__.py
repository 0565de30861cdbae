"""The data service (book: chapter 4, "Splitting the monolith", "Data Service").

Runnerly's users and runs behind a JSON API: the first piece cut out of the
monolith: it owns the database and is the only one to touch it; the
dashboard and the Strava worker call it over HTTP. It reuses the monolith's
models (the tables do not change when the code moves) and the chapter 2
skeleton's JSON errors. Its contract is ``openapi.yaml``: each request body
is checked against it (``chapter04/contract.py``)::

    >>> app = create_app("testing")
    >>> app.test_client().get("/users").json
    []
    >>> with app.app_context():  # done: close its database connection
    ...     db.engine.dispose()
"""

from flask import Flask

from chapter02.skeleton.config import Config, load_config, with_settings
from chapter02.skeleton.errors import register_json_errors

from ..contract import body_validators, load_spec
from ..monolith.config import CONFIGS as MONOLITH_CONFIGS
from ..monolith.models import db
from .views import api


class DataServiceSettings:
    SERVICE_NAME = "data"


# The monolith's configs (its database, in memory for testing), renamed.
CONFIGS = with_settings(DataServiceSettings, MONOLITH_CONFIGS)


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """The data service for ``config`` (``None``: ``FLASK_CONFIG`` names it)."""
    app = Flask(__name__)
    # No sessions, no cookies: this JSON API needs no secret key.
    load_config(app, config, CONFIGS, require_secret_key=False, **overrides)
    db.init_app(app)
    register_json_errors(app)
    # The contract the views check bodies against (a later chapter extends it).
    spec = app.extensions["openapi"] = load_spec()
    app.extensions["body_validators"] = body_validators(spec)
    app.register_blueprint(api)
    with app.app_context():
        db.create_all()
    return app
