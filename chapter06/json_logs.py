"""Book: chapter 6, "Centralizing logs": the same records as JSON lines.

What container platforms collect is a service's standard output, one line
per record; as JSON, each field stays a field (``request_id``, ``status``,
``duration_ms``...) for whatever reads them. The lines are formatted and
written by :mod:`.log_queue`'s thread, not by the request, and flushed when
no record waits, not after each. One setting, ``LOG_FORMAT``,
chooses: ``text`` (the default, for a human at a terminal) or ``json``::

    >>> import io
    >>> from flask import Flask
    >>> app = Flask("demo")
    >>> app.config.update(LOG_FORMAT="json", SERVICE_NAME="data")
    >>> stream = io.StringIO()
    >>> _ = ConsoleLogs(app, stream=stream)
    >>> app.logger.warning("disk %s full", "/tmp", extra={"percent": 97})
    >>> LogQueue.of(app).flush()  # written by a thread of its own: wait for it
    True
    >>> print(stream.getvalue())  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    {"time": "...", "level": "WARNING", "logger": "demo", "message": "disk /tmp full",
     "percent": 97, "service": "data"}
    <BLANKLINE>
"""

import logging
import sys

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from .log_queue import LineStreamHandler, LogQueue

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(service)s %(request_id)s] %(message)s"


def text_formatter() -> logging.Formatter:
    # Records from outside a request (start-up, a thread) have no id: "-".
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


class ConsoleLogs:
    """The Flask extension: the app's records on stdout, as text or JSON."""

    def __init__(self, app: Flask | None = None, stream=None):
        self.stream = stream
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("LOG_FORMAT", "text")
        choice = app.config["LOG_FORMAT"]
        if choice not in ("text", "json"):
            raise ValueError(f"LOG_FORMAT is text or json, not {choice!r}")
        # stdout at the time of the call: a test's capture, a container's pipe.
        handler = LineStreamHandler(self.stream or sys.stdout)
        handler.setFormatter(json_formatter() if choice == "json" else text_formatter())
        LogQueue.of(app).add(handler)
