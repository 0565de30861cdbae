"""Configs (book: chapter 4, "Putting together the monolithic design").

Chapter 2's config classes (``development``, ``testing``, ``production``,
with their secret keys), each with Runnerly's settings mixed in; testing
keeps its database in memory. Every setting may be overridden from the
environment with a ``FLASK_`` prefix
(``FLASK_SQLALCHEMY_DATABASE_URI=postgresql://...``,
``FLASK_CELERY_BROKER_URL=redis://...``), as chapter 2's ``load_config``
reads it.

    >>> CONFIGS["testing"].SQLALCHEMY_DATABASE_URI, CONFIGS["testing"].TESTING
    ('sqlite://', True)
"""

from chapter02.skeleton.config import with_settings


class RunnerlySettings:
    SERVICE_NAME = "monolith"
    # A relative SQLite path lands in the app's instance folder.
    SQLALCHEMY_DATABASE_URI = "sqlite:///runnerly.db"
    # Strava: the real one by default; tests and the demo point at the fake.
    STRAVA_BASE_URL = "https://www.strava.com"
    STRAVA_CLIENT_ID = ""
    STRAVA_CLIENT_SECRET = ""
    STRAVA_SCOPE = "read,activity:read_all"
    STRAVA_PER_PAGE = 100
    # No broker: tasks run in-process (Celery's eager mode). A broker URL
    # (redis://..., amqp://...) sends them to a real worker instead.
    CELERY_BROKER_URL: str | None = None
    CELERY_MAX_RETRIES = 3
    # Hourly import when a beat scheduler runs (``celery ... beat``).
    FETCH_EVERY_SECONDS = 3600


class TestingSettings(RunnerlySettings):
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # in memory


# Production's SECRET_KEY must come from the environment: FLASK_SECRET_KEY.
CONFIGS = with_settings(RunnerlySettings, testing=TestingSettings)
