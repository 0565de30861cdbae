"""The Celery worker's entry point (book: chapter 4, "Background tasks").

``celery -A chapter04.monolith.worker worker --pool=solo`` imports this module
and finds ``celery``, configured from the same Flask settings as the web app
(``FLASK_CELERY_BROKER_URL``, ``FLASK_SQLALCHEMY_DATABASE_URI``,
``FLASK_STRAVA_*`` in the environment; ``FLASK_CONFIG`` picks the
configuration). Add ``beat`` (or ``-B``) for the hourly import.

Importing it builds the Flask and Celery apps, and starts nothing: the
``celery`` command runs the worker.
"""

from .app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

__all__ = ["celery", "flask_app"]
