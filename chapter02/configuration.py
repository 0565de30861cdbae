"""Configuration from an object, a file and the environment (book: chapter 2,
"Configuration").

Three layers, each overriding the one before:

1. an object: one class per environment (``chapter02.skeleton.config``), the
   defaults that live with the code; ``FLASK_CONFIG`` names it
   (``development``, ``testing`` or ``production``);
2. a file: the settings of one deployment (``settings.toml``, or the file
   named by ``FLASK_SETTINGS_FILE``);
3. environment variables prefixed ``FLASK_``: what differs per machine and
   the secrets, which never go in a file under version control. Values are
   parsed as JSON (``FLASK_DEBUG=true`` is a bool) and ``__`` reaches into a
   table (``FLASK_STRAVA__CLIENT_ID``).

Production has no default secret key, so it refuses to start without one.

Run it: ``flask --app chapter02.configuration run``
"""

import os
import tomllib
from pathlib import Path

from flask import Flask, current_app

from chapter02.skeleton.config import config_class
from chapter02.skeleton.errors import register_json_errors

SETTINGS = Path(__file__).with_name("settings.toml")


def create_app(config: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_class(config))  # None: FLASK_CONFIG
    settings = os.environ.get("FLASK_SETTINGS_FILE", SETTINGS)
    app.config.from_file(settings, load=tomllib.load, text=False)
    app.config.from_prefixed_env()  # FLASK_*, Flask's default prefix
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("no SECRET_KEY: set FLASK_SECRET_KEY in the environment")
    register_json_errors(app)

    @app.get("/api/config")
    def show_config():
        config = current_app.config
        return {
            "service": config["SERVICE_NAME"],
            "debug": config["DEBUG"],
            "testing": config["TESTING"],
            "max_runs_per_page": config["MAX_RUNS_PER_PAGE"],
            "strava": config["STRAVA"],
            # Say whether there is a key, never what it is.
            "secret_key_set": bool(config["SECRET_KEY"]),
        }

    return app
