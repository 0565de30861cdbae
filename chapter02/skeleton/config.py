"""One config class per environment (book: "Configuration").

Development and testing run with an obvious throwaway key; production has
none, so it must come from the environment (``FLASK_SECRET_KEY``).
"""


class Config:
    SERVICE_NAME = "skeleton"
    DEBUG = False  # the debugger runs code sent by the browser: never by default
    TESTING = False
    SECRET_KEY: str | None = None


class DevelopmentConfig(Config):
    SECRET_KEY = "dev-only-not-secret"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"


class ProductionConfig(Config):
    pass


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
