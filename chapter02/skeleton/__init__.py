"""A microservice skeleton (book: "Discovering Flask" > "A microservice skeleton").

Everything the chapter shows, put together the way later chapters start a
service: an application factory, one config class per environment, blueprints
by concern, and JSON for every error.

    >>> app = create_app("testing")
    >>> app.test_client().get("/api/").json["service"]
    'skeleton'
"""

from flask import Flask

from .config import CONFIGS, Config
from .errors import register_json_errors
from .views import api


def create_app(config: str | type[Config] = "development", **overrides) -> Flask:
    """Build the app for an environment name or a config class.

    Settings come, in order, from the config class, from ``FLASK_*``
    environment variables (``FLASK_SECRET_KEY=...``), then from ``overrides``.
    """
    app = Flask(__name__)
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        # Production has no default key: a key in the code is a key on GitHub.
        raise RuntimeError(
            "no SECRET_KEY: set the FLASK_SECRET_KEY environment variable"
        )
    register_json_errors(app)
    app.register_blueprint(api, url_prefix="/api")
    return app
