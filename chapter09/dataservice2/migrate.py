"""Book: chapter 9, "Versioning": ``runnerly-dataservice migrate`` (Alembic).

The migrations ship in the wheel (``migrations/versions``) and run from the
installed service, against the database its settings name
(``FLASK_SQLALCHEMY_DATABASE_URI``), SQLite or PostgreSQL alike:

- ``0001``: release 1's schema, as its ``create_all`` made it (nothing to do:
  the baseline the next ones build on);
- ``0002``: ``runs.sport_type``, and every run already there is a ``Run``.

Alembic records the revision reached in the ``alembic_version`` table, so
running ``migrate`` again does nothing, and the next release's migrations
start from there.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py runs the migrations on the service's own engine (its settings).
    config.attributes["engine"] = app.extensions["sqlalchemy"].engine
    return config


def migrate(app: Flask | None = None, revision: str = "head") -> None:
    """Upgrade the app's database (release 2's app by default) to ``revision``."""
    if app is None:
        from . import create_app

        # Release 2's app: its create_all makes the tables of a new database;
        # an existing one keeps its tables, which the migrations change.
        app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(app), revision)
        app.extensions["sqlalchemy"].engine.dispose()
    print(f"database at revision {revision}", flush=True)
