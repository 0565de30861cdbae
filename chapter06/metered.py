"""Book: chapter 6, "Performance metrics": the data service, measured.

Chapter 4's data service with this chapter's metrics: ``/metrics`` for
Prometheus (:mod:`chapter06.prometheus_metrics`) and each process's system
figures (:mod:`chapter06.system_metrics`). Nothing in the data service
changes: the extensions hook into its requests. Run it under gunicorn with
``python -m chapter06.metered_service``.

    >>> app = create_app("testing")
    >>> client = app.test_client()
    >>> client.get("/users/1").json
    {'message': 'No such user.', 'status': 404}
    >>> 'route="/users/<int:user_id>"' in client.get("/metrics").text
    True
    >>> app.extensions["system_metrics"].stop()
    >>> with app.app_context():  # done: close its database connection
    ...     db.engine.dispose()
"""

from flask import Flask

from chapter04.dataservice import create_app as create_dataservice
from chapter04.dataservice import db

from . import prometheus_metrics, system_metrics

__all__ = ["create_app", "db"]


def create_app(config=None, **overrides) -> Flask:
    """The data service (``config``, ``overrides`` as chapter 4's), measured."""
    app = create_dataservice(config, **overrides)
    prometheus_metrics.init_app(app)
    system_metrics.init_app(app)
    return app
