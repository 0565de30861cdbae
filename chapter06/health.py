"""Ours, beyond the book: ``/health`` (alive) and ``/ready`` (can serve).

Two questions a process manager, a load balancer or Kubernetes asks in
turn. *Alive?* ``/health`` answers 200 as long as the process serves HTTP
at all (no check behind it: a database outage is no reason to restart the
service). *Ready?* ``/ready`` checks what each request needs, the database
and, when ``CELERY_BROKER_URL`` names one, the broker, and answers 503 with
the reason while one of them is unreachable, so traffic goes elsewhere::

    >>> from chapter04.dataservice import create_app
    >>> app = create_app("testing")
    >>> Health(app)  # doctest: +ELLIPSIS
    <...Health object at ...>
    >>> app.test_client().get("/ready").json
    {'checks': {'database': 'ok'}, 'status': 'ready'}
    >>> app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nobody there
    >>> response = app.test_client().get("/ready")
    >>> response.status_code, response.json["message"]  # doctest: +ELLIPSIS
    (503, 'not ready: broker: ...Connection refused...')
    >>> with app.app_context():  # done: close its database connection
    ...     app.extensions["sqlalchemy"].engine.dispose()
"""

import kombu
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

health = Blueprint("health", __name__)

TIMEOUT = 2.0  # seconds per check: a probe must answer before it times out


def check_database() -> None:
    engine = current_app.extensions["sqlalchemy"].engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_broker(url: str) -> None:
    # kombu speaks to Redis and RabbitMQ alike, as Celery does; one try only.
    with kombu.Connection(url, connect_timeout=TIMEOUT) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT
        )


def reason(error: Exception) -> str:
    """The first line of the error, short: enough to act on, no traceback."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:200]


@health.get("/health")
def alive():
    return {"status": "alive"}


@health.get("/ready")
def ready():
    checks = {"database": check_database}
    broker = current_app.config.get("CELERY_BROKER_URL")
    if broker:
        checks["broker"] = lambda: check_broker(broker)
    results, failures = {}, []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # whatever it is, the answer is "not ready"
            results[name] = reason(error)
            failures.append(f"{name}: {results[name]}")
        else:
            results[name] = "ok"
    if failures:
        message = "not ready: " + "; ".join(failures)
        response = jsonify(status=503, message=message, checks=results)
        response.status_code = 503
        return response
    return {"status": "ready", "checks": results}


class Health:
    """The Flask extension: ``Health(app)`` adds ``/health`` and ``/ready``."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.register_blueprint(health)
