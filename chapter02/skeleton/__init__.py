"""A microservice skeleton (book: chapter 2, "A microservice skeleton").

Everything the chapter shows, put together the way later chapters start a
service: an application factory, one config class per environment, blueprints
by concern, and JSON for every error.

    >>> client = create_app("testing").test_client()
    >>> client.get("/api/").json
    {'service': 'skeleton', 'status': 'ok'}
    >>> client.get("/api/nowhere").json["status"]
    404
"""

from flask import Flask

from .config import Config, load_config
from .errors import register_json_errors
from .views import api


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """Build the app for a config class or its name; ``None``, the default,
    takes the name from ``FLASK_CONFIG`` (``development`` if unset).

    Settings come, in order, from the config class, from ``FLASK_*``
    environment variables (``FLASK_SECRET_KEY=...``), then from ``overrides``.
    """
    app = Flask(__name__)
    load_config(app, config, **overrides)
    register_json_errors(app)
    app.register_blueprint(api, url_prefix="/api")
    return app
