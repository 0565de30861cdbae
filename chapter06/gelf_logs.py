"""Book: chapter 6, "Centralizing logs" > "Sending logs to Graylog".

The book's ``graypy.GELFHandler`` is ``GELFUDPHandler`` in graypy 2: each
record leaves as one zlib-compressed GELF datagram (in chunks when larger
than ``GELF_CHUNK_SIZE`` bytes, as a traceback often is), with the extra
fields of :mod:`chapter06.request_logs` as GELF's ``_service``,
``_request_id``, ``_user_id``, ``_status``, ``_duration_ms``. UDP never
blocks nor fails the request: a receiver that is down loses the records,
the service goes on. The handler runs in :mod:`.log_queue`'s thread: a
record's GELF dict, its JSON, its zlib compression and its ``sendto`` cost
a request nothing but a place in the queue (and the interpreter's time,
which that thread shares).

Settings: ``GELF_HOST`` (``127.0.0.1``), ``GELF_PORT`` (none: no GELF, the
extension does nothing), ``GELF_CHUNK_SIZE`` (1420, graypy's default)::

    >>> from flask import Flask
    >>> app = Flask("demo")
    >>> GelfLogs(app).handler(app) is None  # no GELF_PORT
    True

What a message costs, in that thread: graypy makes a dict of the record's
fields, JSON, and compresses it with zlib (a quarter of its time; a LAN
would not miss it, but Graylog's default is what the book shows). Half of
the rest went to graypy's Python 2 era pass over every field to turn bytes
into text; :class:`GelfHandler` does it for the fields themselves only,
where bytes could be::

    >>> GelfHandler._pack_gelf_dict({"short_message": b"disk full", "_n": 1})
    b'{"short_message":"disk full","_n":1}'
"""

import json
import logging

from flask import Flask
from graypy import GELFUDPHandler
from graypy.handler import GELFTruncatingChunker

from .log_queue import LogQueue

KEY = "gelf_logs"


class GelfHandler(GELFUDPHandler):
    """graypy's UDP handler, packing its dict in one pass."""

    @classmethod
    def _pack_gelf_dict(cls, gelf_dict: dict) -> bytes:
        fields = {
            key: value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            for key, value in gelf_dict.items()
        }
        packed = json.dumps(fields, separators=(",", ":"), default=cls._object_to_json)
        return packed.encode("utf-8")


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
        handler = GelfHandler(
            app.config["GELF_HOST"],
            int(app.config["GELF_PORT"]),
            # graypy's default chunker warns about (and drops) a message of
            # more than 128 chunks; this one cuts its text to fit instead.
            gelf_chunker=GELFTruncatingChunker(
                chunk_size=int(app.config["GELF_CHUNK_SIZE"])
            ),
        )
        LogQueue.of(app).add(handler)
        app.extensions[KEY] = handler

    @staticmethod
    def handler(app: Flask) -> logging.Handler | None:
        return app.extensions.get(KEY)
