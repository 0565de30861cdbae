"""A bug tracker proxy (book: chapter 3, "Coding, testing and documenting").

The service the chapter tests, built on the chapter 2 skeleton: it reads
bugs from an outside tracker (a Bugzilla-like REST API), summarises them,
and validates new ones before filing them. Its one outside dependency is
what makes it worth testing at every level.

    >>> app = create_app("testing", TRACKER_API_URL="http://127.0.0.1:5001")
    >>> sorted({rule.rule for rule in app.url_map.iter_rules()})
    ['/api/', '/api/bugs', '/api/bugs/<int:bug_id>', '/static/<path:filename>']
"""

from flask import Flask

from chapter02.skeleton import create_app as create_skeleton
from chapter02.skeleton.config import Config, config_class, with_settings

from .client import TrackerClient, TrackerError
from .views import bugs_api, tracker_error


class TrackerSettings:
    """What the tracker adds to chapter 2's config classes."""

    SERVICE_NAME = "tracker"
    # Where the outside tracker is: FLASK_TRACKER_API_URL in the environment.
    TRACKER_API_URL: str | None = None
    # Seconds to wait for it; FLASK_TRACKER_TIMEOUT=0.5 in the environment.
    TRACKER_TIMEOUT = 2.0


# development, testing, production: chapter 2's classes with these settings.
CONFIGS = with_settings(TrackerSettings)


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """The skeleton's app, plus the tracker client and the ``bugs`` blueprint.

    Settings come as in the skeleton: the config class (named by ``config``,
    or else by ``FLASK_CONFIG``), then ``FLASK_*`` environment variables, then
    ``overrides``.
    """
    app = create_skeleton(config_class(config, CONFIGS), **overrides)
    url = app.config["TRACKER_API_URL"]
    if not url:
        raise RuntimeError(
            "no TRACKER_API_URL: set FLASK_TRACKER_API_URL to the tracker's URL"
        )
    app.extensions["tracker"] = TrackerClient(url, app.config["TRACKER_TIMEOUT"])
    app.register_error_handler(TrackerError, tracker_error)
    app.register_blueprint(bugs_api, url_prefix="/api/bugs")
    return app
