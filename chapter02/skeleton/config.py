"""One config class per environment (book: chapter 2, "Configuration").

``FLASK_CONFIG`` names the class to use, ``development`` (the default),
``testing`` or ``production``. Development and testing run with an obvious
throwaway key; production has none, so it must come from the environment
(``FLASK_SECRET_KEY``).
"""

import os

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


def config_class(
    config: str | type[Config] | None = None,
    configs: dict[str, type[Config]] = CONFIGS,
) -> type[Config]:
    """The class ``config`` names in ``configs`` (or ``config`` itself, if a
    class); ``None`` means the name in ``FLASK_CONFIG``, else development.

    >>> config_class("testing").__name__
    'TestingConfig'
    >>> config_class("staging")
    Traceback (most recent call last):
      ...
    ValueError: no configuration 'staging': one of development, testing, production
    """
    if config is None:
        config = os.environ.get("FLASK_CONFIG", "development")
    if not isinstance(config, str):
        return config
    if config not in configs:
        names = ", ".join(configs)
        raise ValueError(f"no configuration {config!r}: one of {names}")
    return configs[config]


def load_config(
    app: Flask,
    config: str | type[Config] | None = None,
    configs: dict[str, type[Config]] = CONFIGS,
    require_secret_key: bool = True,
    **overrides,
) -> None:
    """Settings, each layer over the one before: the config class (see
    :func:`config_class`), ``FLASK_*`` environment variables
    (``FLASK_SECRET_KEY=...``), then ``overrides``.
    """
    app.config.from_object(config_class(config, configs))
    app.config.from_prefixed_env()
    app.config.update(overrides)
    if require_secret_key and not app.config.get("SECRET_KEY"):
        # Production has no default key: a key in the code is a key on GitHub.
        raise RuntimeError(
            "no SECRET_KEY: set the FLASK_SECRET_KEY environment variable"
        )
