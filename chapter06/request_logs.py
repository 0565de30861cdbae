"""Book: chapter 6, "Centralizing logs" > "Adding extra fields".

Every log record of the service gets the same extra fields, whatever its
handler (GELF, JSON lines, text): the service's name, the request id and,
when known, the user id. And each request ends with one record of its own
(method, path, status, duration in milliseconds), the line a web server's
access log would have, now searchable field by field::

    >>> import logging
    >>> from flask import Flask
    >>> app = Flask("demo")
    >>> app.config["SERVICE_NAME"] = "data"
    >>> handler = logging.Handler()
    >>> records = []
    >>> handler.emit = records.append
    >>> RequestLogs(app).add_handler(app, handler)
    >>> app.get("/users/<int:user_id>")(lambda user_id: ("gone", 410))
    ... # doctest: +ELLIPSIS
    <function <lambda> at ...>
    >>> _ = app.test_client().get("/users/42")
    >>> record = records[-1]
    >>> record.getMessage(), record.service, record.status, record.user_id
    ('GET /users/42 410', 'data', 410, 42)
"""

import logging
import time

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler

from .request_id import current_request_id


class RequestFields(logging.Filter):
    """Adds ``service``, ``request_id`` and ``user_id`` to each record.

    The user id comes from ``g.user_id`` (set it where the user is known: a
    login, a token) or else from the URL (``/users/<int:user_id>/...``).
    """

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if has_request_context():
            record.request_id = current_request_id()
            user_id = g.get("user_id", (request.view_args or {}).get("user_id"))
            if user_id is not None:
                record.user_id = user_id
        return True  # it only adds: every record goes on


class RequestLogs:
    """The Flask extension: one record per request, and the extra fields.

    Settings: ``SERVICE_NAME`` (default: the app's name), ``LOG_LEVEL``
    (``INFO``). Handlers are added with :meth:`add_handler`.
    """

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("SERVICE_NAME", app.name)
        app.config.setdefault("LOG_LEVEL", "INFO")
        app.logger.setLevel(app.config["LOG_LEVEL"])
        app.before_request(self.start_clock)
        app.after_request(self.log_request)

    @staticmethod
    def add_handler(app: Flask, handler: logging.Handler) -> None:
        """Send the app's records to ``handler``, with the extra fields."""
        handler.addFilter(RequestFields(app.config.get("SERVICE_NAME", app.name)))
        # Flask's own stderr handler is only a default: ours replace it.
        app.logger.removeHandler(default_handler)
        app.logger.addHandler(handler)

    @staticmethod
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @staticmethod
    def log_request(response: Response) -> Response:
        logger = current_app.logger
        if not logger.isEnabledFor(logging.INFO):
            return response
        started = g.get("request_started")
        duration = None if started is None else time.perf_counter() - started
        served = request._get_current_object()  # the proxy looked up once
        method, path, status = served.method, served.path, response.status_code
        # The record made here, not by logger.info(): where it comes from is
        # known, and the stack need not be searched for it at each request.
        record = logger.makeRecord(
            logger.name,
            logging.INFO,
            __file__,
            LINE,
            "%s %s %s",
            (method, path, status),
            None,
            func="log_request",
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": None if duration is None else round(duration * 1e3, 3),
            },
        )
        logger.handle(record)
        return response


LINE = RequestLogs.log_request.__code__.co_firstlineno
