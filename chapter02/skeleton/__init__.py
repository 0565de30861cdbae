"""A microservice skeleton (book: "Discovering Flask" > "A microservice skeleton").

Everything the chapter shows, put together the way later chapters start a
service: an application factory, one config class per environment, blueprints
by concern, and JSON for every error.

    >>> app = create_app("testing")
    >>> app.test_client().get("/api/").json["service"]
    'skeleton'
"""

from flask import Flask

from .config import Config, load_config
from .errors import register_json_errors
from .views import api


def create_app(config: str | type[Config] = "development", **overrides) -> Flask:
    """Build the app for an environment name or a config class.

    Settings come, in order, from the config class, from ``FLASK_*``
    environment variables (``FLASK_SECRET_KEY=...``), then from ``overrides``.
    """
    app = Flask(__name__)
    load_config(app, config, **overrides)
    register_json_errors(app)
    app.register_blueprint(api, url_prefix="/api")
    return app
