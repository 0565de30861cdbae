"""Book: chapter 6, "Centralizing logs" > "Sending logs to Graylog".

The book's ``graypy.GELFHandler`` is ``GELFUDPHandler`` in graypy 2: each
record leaves as one zlib-compressed GELF datagram (in chunks when larger
than ``GELF_CHUNK_SIZE`` bytes, as a traceback often is), with the extra
fields of :mod:`chapter06.request_logs` as GELF's ``_service``,
``_request_id``, ``_user_id``, ``_status``, ``_duration_ms``. UDP never
blocks nor fails the request: a receiver that is down loses the records,
the service goes on.

Settings: ``GELF_HOST`` (``127.0.0.1``), ``GELF_PORT`` (none: no GELF, the
extension does nothing), ``GELF_CHUNK_SIZE`` (1420, graypy's default)::

    >>> from flask import Flask
    >>> app = Flask("demo")
    >>> GelfLogs(app).handler(app) is None  # no GELF_PORT
    True
"""

import logging

from flask import Flask
from graypy import GELFUDPHandler
from graypy.handler import GELFTruncatingChunker

from .request_logs import RequestLogs

KEY = "gelf_logs"


class GelfLogs:
    """The Flask extension: sends the app's log records to a GELF receiver."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("GELF_HOST", "127.0.0.1")
        app.config.setdefault("GELF_PORT", None)
        app.config.setdefault("GELF_CHUNK_SIZE", 1420)
        app.extensions[KEY] = None
        if app.config["GELF_PORT"] is None:
            return
        handler = GELFUDPHandler(
            app.config["GELF_HOST"],
            int(app.config["GELF_PORT"]),
            # graypy's default chunker warns about (and drops) a message of
            # more than 128 chunks; this one cuts its text to fit instead.
            gelf_chunker=GELFTruncatingChunker(
                chunk_size=int(app.config["GELF_CHUNK_SIZE"])
            ),
        )
        RequestLogs.add_handler(app, handler)
        app.extensions[KEY] = handler

    @staticmethod
    def handler(app: Flask) -> logging.Handler | None:
        return app.extensions.get(KEY)
