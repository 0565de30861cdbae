"""One config class per environment (book: "Configuration").

Development and testing run with an obvious throwaway key; production has
none, so it must come from the environment (``FLASK_SECRET_KEY``).
"""

from flask import Flask


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


def load_config(
    app: Flask,
    config: str | type[Config],
    configs: dict[str, type[Config]] = CONFIGS,
    require_secret_key: bool = True,
    **overrides,
) -> None:
    """Settings, each layer over the one before: the config class (or its name
    in ``configs``), ``FLASK_*`` environment variables
    (``FLASK_SECRET_KEY=...``), then ``overrides``.
    """
    app.config.from_object(configs[config] if isinstance(config, str) else config)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    if require_secret_key and not app.config.get("SECRET_KEY"):
        # Production has no default key: a key in the code is a key on GitHub.
        raise RuntimeError(
            "no SECRET_KEY: set the FLASK_SECRET_KEY environment variable"
        )
