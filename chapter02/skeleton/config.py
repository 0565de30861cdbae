"""One config class per environment (book: chapter 2, "Configuration").

``FLASK_CONFIG`` names the class to use, ``development`` (the default),
``testing`` or ``production``. Development and testing run with an obvious
throwaway key; production has none, so it must come from the environment
(``FLASK_SECRET_KEY``).

A later service keeps these classes and adds its own settings as one class
mixed in over each of them (:func:`with_settings`); :func:`load_config` then
reads, each layer over the one before, the class, the environment and the
factory's overrides. Every service built on it works that way.
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


def with_settings(
    settings: type,
    configs: dict[str, type[Config]] = CONFIGS,
    **environments: type,
) -> dict[str, type[Config]]:
    """A service's configs: its ``settings`` class mixed in over each class
    of ``configs`` (chapter 2's, or those of the service it extends), or,
    for an environment named in ``environments``, that class instead: a
    subclass of ``settings`` with what differs there.

    ``settings`` is a plain class, no base: it sets what the service adds,
    and ``SERVICE_NAME`` (chapter 6 names logs and traces after it), but
    leaves ``DEBUG``, ``TESTING`` and ``SECRET_KEY`` to the environment's
    class. Every setting in it can still come from the environment
    (``FLASK_PER_PAGE=50``), as in chapter 2.

    >>> class RunsSettings:
    ...     SERVICE_NAME = "runs"
    ...     PER_PAGE = 20
    >>> class InMemory(RunsSettings):
    ...     DATABASE = ":memory:"
    >>> configs = with_settings(RunsSettings, testing=InMemory)
    >>> testing = configs["testing"]
    >>> testing.SERVICE_NAME, testing.PER_PAGE, testing.DATABASE, testing.TESTING
    ('runs', 20, ':memory:', True)
    >>> testing.__name__, configs["production"].__name__
    ('InMemory+TestingConfig', 'RunsSettings+ProductionConfig')
    """
    unknown = set(environments) - set(configs)
    if unknown:
        raise ValueError(f"no configuration {', '.join(sorted(unknown))}")
    layered = {}
    for name, config in configs.items():
        mixin = environments.get(name, settings)
        title = f"{mixin.__name__}+{config.__name__}"
        attributes = {"__module__": mixin.__module__, "__qualname__": title}
        layered[name] = type(title, (mixin, config), attributes)
    return layered


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
