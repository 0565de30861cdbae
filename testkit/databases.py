"""Flask-SQLAlchemy apps, closed after a test."""


def close_database(app) -> None:
    """Close a Flask-SQLAlchemy app's pooled database connections.

    Python 3.13 warns (ResourceWarning) about a SQLite connection left for the
    garbage collector, and the suite turns warnings into errors.
    """
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
