"""Configs (book: chapter 4, "Putting together the monolithic design").

Every setting may be overridden from the environment with a ``FLASK_`` prefix
(``FLASK_SQLALCHEMY_DATABASE_URI=postgresql://...``,
``FLASK_CELERY_BROKER_URL=redis://...``): the factory calls
``app.config.from_prefixed_env()``.
"""


class Config:
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
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


class DevelopmentConfig(Config):
    SECRET_KEY = "dev-only-not-secret"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # in memory


class ProductionConfig(Config):
    pass  # SECRET_KEY must come from the environment: FLASK_SECRET_KEY


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
