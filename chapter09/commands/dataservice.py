"""Book: chapter 9, "The setup.py file": the ``runnerly-dataservice`` command.

Release 1: chapter 8's data service as it is. Its database is
``FLASK_SQLALCHEMY_DATABASE_URI`` (several processes share it, so it must be
named: no throwaway file per process).

``runnerly-dataservice migrate`` makes the tables, once, before the service's
processes start: several processes that each create them at start race, and
the loser dies ("table runs already exists"). Release 1 has no migration
tool; its schema is what ``create_all`` makes, which does nothing to tables
that exist. Release 2's ``migrate`` is Alembic's (``dataservice2/``): the
operator's routine, migrate then start, stays the same.
"""

from chapter08.dataservice import create_app

from ..serve import command

DEFAULT_PORT = 5003


def migrate() -> None:
    app = create_app()  # create_all: the tables that are missing, no more
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    print("runnerly-dataservice: the database has release 1's tables.")


def main() -> None:
    command("runnerly-dataservice", create_app, DEFAULT_PORT, {"migrate": migrate})
