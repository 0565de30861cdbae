"""Book: chapter 6, "Centralizing logs" > "Sending logs to Graylog".

The book's ``graypy.GELFHandler`` is ``GELFUDPHandler`` in graypy 2: each
record leaves as one compressed GELF datagram (in chunks when larger
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
fields, JSON, and compresses it. Its ``zlib.compress`` sets up deflate's
full state for each message, a 32 KB window and its tables, about 256 KB
allocated, cleared and given back to the system: 44 µs for a 450-byte
line, ten times the rest of the message's work. :class:`GelfHandler`
compresses with gzip, which GELF accepts as well, and a 4 KB window, which
a message of a few KB does not miss: 5 µs, and the same size on the wire.
(A zlib stream names its window in its first byte, and GELF receivers
recognise zlib by that byte, ``0x78``, a 32 KB window: gzip names none.)
Half of the rest went to graypy's Python 2 era pass over every field to
turn bytes into text; :class:`GelfHandler` does it for the fields
themselves only, where bytes could be, and looks the host name up once,
not once a message::

    >>> GelfHandler._pack_gelf_dict({"short_message": b"disk full", "_n": 1})
    b'{"short_message":"disk full","_n":1}'
    >>> import gzip, json
    >>> handler = GelfHandler("127.0.0.1", 12201)
    >>> record = logging.makeLogRecord({"msg": "disk full", "levelno": 30})
    >>> json.loads(gzip.decompress(handler.makePickle(record)))["short_message"]
    'disk full'
    >>> handler.close()
"""

import gzip
import json
import logging
import socket
import zlib
from collections.abc import Iterator

from flask import Flask
from graypy import GELFUDPHandler
from graypy.handler import (
    GELF_MAX_CHUNK_NUMBER,
    GELFTruncatingChunker,
    GELFTruncationFailureWarning,
)

from .log_queue import LogQueue

KEY = "gelf_logs"
# gzip (16 + the window's bits) with a 4 KB window and small tables (memory
# level 4 of 9): for a log message, as small as zlib's defaults give.
GZIP_4KB = 16 + 12
MEMORY_LEVEL = 4


class GelfHandler(GELFUDPHandler):
    """graypy's UDP handler: gzip with a small window, its dict packed in one pass."""

    def __init__(self, host: str, port: int, chunk_size: int = 1420):
        super().__init__(
            host,
            port,
            # graypy's default chunker warns about (and drops) a message of
            # more than 128 chunks; this one cuts its text to fit instead.
            gelf_chunker=TruncatingChunker(chunk_size=chunk_size, compress=False),
            localname=socket.gethostname(),  # once, not a system call a message
        )

    def makePickle(self, record: logging.LogRecord) -> bytes:
        packed = self._pack_gelf_dict(self._make_gelf_dict(record))
        compressor = zlib.compressobj(6, zlib.DEFLATED, GZIP_4KB, MEMORY_LEVEL)
        return compressor.compress(packed) + compressor.flush()

    @classmethod
    def _pack_gelf_dict(cls, gelf_dict: dict) -> bytes:
        fields = {
            key: value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            for key, value in gelf_dict.items()
        }
        packed = json.dumps(fields, separators=(",", ":"), default=cls._object_to_json)
        return packed.encode("utf-8")


class TruncatingChunker(GELFTruncatingChunker):
    """graypy's chunker that cuts a message of over 128 chunks to fit.

    graypy's warns first, the whole message in the warning's text, and
    reads what it cuts as zlib or plain JSON: ours hands it the JSON, and
    the cut message, its text shortened and marked ``_chunk_overflow``,
    leaves uncompressed, as GELF allows. One that no cut makes fit (its
    fields alone too large) is dropped, as graypy does.
    """

    def chunk_message(self, message: bytes) -> Iterator[bytes]:
        if self._message_chunk_number(message) > GELF_MAX_CHUNK_NUMBER:
            try:
                message = self.gen_chunk_overflow_gelf_log(gzip.decompress(message))
            except GELFTruncationFailureWarning:
                return
        yield from self._gen_gelf_chunks(message)


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
            chunk_size=int(app.config["GELF_CHUNK_SIZE"]),
        )
        LogQueue.of(app).add(handler)
        app.extensions[KEY] = handler

    @staticmethod
    def handler(app: Flask) -> logging.Handler | None:
        return app.extensions.get(KEY)
