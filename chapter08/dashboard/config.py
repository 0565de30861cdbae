"""The dashboard's settings (book: chapter 8, "Authentication and authorization").

Chapter 2's config classes with the dashboard's settings mixed in; every
setting can come from the environment with a ``FLASK_`` prefix
(``FLASK_DATA_SERVICE_URL=http://127.0.0.1:5003``), and ``FLASK_CONFIG``
picks the class. Development and testing point at the fake Strava of
``python -m chapter08``; production sends the session cookie over HTTPS only.

    >>> from pathlib import Path
    >>> Path(default_queue_dir()).name
    'runnerly-queue'
    >>> CONFIGS["development"].STRAVA_SCOPE
    'read,activity:read'
"""

import os
import tempfile

from chapter02.skeleton.config import with_settings


def default_queue_dir() -> str:
    """Where the filesystem broker keeps its messages (the worker's default)."""
    return os.path.join(tempfile.gettempdir(), "runnerly-queue")


class DashboardSettings:
    SERVICE_NAME = "dashboard"
    # The data service as this server reaches it, and as the browser does
    # (None: the same URL). They differ behind a proxy or in containers.
    DATA_SERVICE_URL = "http://127.0.0.1:5003"
    DATA_SERVICE_PUBLIC_URL: str | None = None
    # TokenDealer: the issuer of every token, and where to ask for them.
    TOKEN_ISSUER = "http://127.0.0.1:5001"
    CLIENT_ID = "runnerly-dashboard"
    CLIENT_SECRET = ""
    STRAVA_BASE_URL = "https://www.strava.com"
    # Strava as the browser reaches it, for the authorize page (None: the
    # same URL). They differ where the fake Strava runs in containers.
    STRAVA_PUBLIC_URL: str | None = None
    STRAVA_CLIENT_ID = ""
    STRAVA_CLIENT_SECRET = ""
    # Read only: the dashboard shows runs, it never writes to Strava.
    STRAVA_SCOPE = "read,activity:read"
    # No broker URL: kombu's filesystem transport in QUEUE_DIR, no server.
    CELERY_BROKER_URL: str | None = None
    QUEUE_DIR = default_queue_dir()
    # Seconds to wait for another service: a page must not hang on one.
    SERVICE_TIMEOUT = 5.0
    # Seconds after which the page calls a running sync that says nothing
    # new stuck, and lets the runner sync again: the worker's
    # WORKER_STALE_AFTER (it writes the state after every page it imports).
    SYNC_STALE_AFTER = 120
    # The session cookie only over HTTPS: browsers drop it on plain http://.
    SESSION_COOKIE_SECURE = False


class DevelopmentSettings(DashboardSettings):
    STRAVA_BASE_URL = "http://127.0.0.1:5004"  # python -m chapter08's fake
    STRAVA_CLIENT_ID = "1234"
    STRAVA_CLIENT_SECRET = "fake-secret"


class ProductionSettings(DashboardSettings):
    # SECRET_KEY, CLIENT_SECRET, STRAVA_*: from the environment. Behind TLS;
    # FLASK_SESSION_COOKIE_SECURE=false where it is served on plain http://.
    SESSION_COOKIE_SECURE = True


CONFIGS = with_settings(
    DashboardSettings,
    development=DevelopmentSettings,
    testing=DevelopmentSettings,
    production=ProductionSettings,
)
