"""Alembic's entry point (book: chapter 9, "Versioning"): run the migrations.

Alembic executes this file itself (``migrate`` calls ``alembic upgrade``);
it uses the engine the service's settings made, handed over by
:func:`chapter09.dataservice2.migrate.alembic_config`.
"""

from alembic import context


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        # render_as_batch: SQLite alters a table by copying it; the same
        # migrations run on PostgreSQL, which alters it in place.
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


# Alembic loads this file under the name "env_py"; imported any other way (the
# suite's docstring run) it does nothing.
if __name__ == "env_py":
    run_migrations()
