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
extension does nothing), ``GELF_CHUNK_SIZE`` (1420, graypy's default; at
most 65,495 bytes, so that a chunk and its header fit in a datagram),
``GELF_COMPRESS`` (true; ``FLASK_GELF_COMPRESS=false`` sends the JSON as
it is, which GELF allows too: about a third cheaper, see the README)::

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
import math
import socket
import time
import zlib
from collections.abc import Iterator

from flask import Flask
from graypy import GELFUDPHandler
from graypy.handler import GELF_MAX_CHUNK_NUMBER, BaseGELFChunker

from .log_queue import LogQueue

KEY = "gelf_logs"
# gzip (16 + the window's bits) with a 4 KB window and small tables (memory
# level 4 of 9): for a log message, as small as zlib's defaults give.
GZIP_4KB = 16 + 12
MEMORY_LEVEL = 4
GZIP_MAGIC = b"\x1f\x8b"
# A chunk and its 12-byte header in one UDP datagram over IPv4 (65,507 bytes
# at most): a larger chunk size fails every large message's sendto.
MAX_CHUNK_SIZE = 65_507 - 12
# How long a looked-up receiver address is kept, in seconds.
RESOLVE_EVERY = 60.0
# What a cut text keeps in place of what it lost.
CUT = " [...] "
# The fields a cut message keeps whole (GELF requires them; ours marks it).
UNCUT = {"version", "host", "timestamp", "level", "_chunk_overflow"}


class GelfHandler(GELFUDPHandler):
    """graypy's UDP handler: gzip with a small window, its dict packed in one pass."""

    def __init__(
        self, host: str, port: int, chunk_size: int = 1420, compress: bool = True
    ):
        if not 0 < chunk_size <= MAX_CHUNK_SIZE:
            # 0 divides by zero, a negative one sends nothing, a huge one
            # fails each large message: for every record, so refused now.
            raise ValueError(
                f"GELF_CHUNK_SIZE is 1 to {MAX_CHUNK_SIZE} bytes, not {chunk_size}"
            )
        super().__init__(
            host,
            port,
            # graypy's default chunker warns about (and drops) a message of
            # more than 128 chunks; this one cuts its text to fit instead.
            gelf_chunker=TruncatingChunker(chunk_size=chunk_size),
            localname=socket.gethostname(),  # once, not a system call a message
            compress=compress,
        )
        self.failing = False
        # The receiver's address: looked up at the first send, then once a
        # minute (:meth:`resolve_now_and_then`).
        self.family, self.address = socket.AF_INET, None
        self.resolve_at = -math.inf

    def makePickle(self, record: logging.LogRecord) -> bytes:
        packed = self._pack_gelf_dict(self._make_gelf_dict(record))
        if not self.compress:
            return packed
        compressor = zlib.compressobj(6, zlib.DEFLATED, GZIP_4KB, MEMORY_LEVEL)
        return compressor.compress(packed) + compressor.flush()

    def send(self, s: bytes) -> None:
        # A host that does not resolve, a network that refuses: reported
        # (handleError's traceback) once, not for every record until it works.
        try:
            self.resolve_now_and_then()
            if self.address is None:
                return  # never resolved: lost, as a receiver that is down loses it
            super().send(s)
        except OSError:
            if self.failing:
                return
            self.failing = True
            raise
        self.failing = False

    def resolve_now_and_then(self) -> None:
        """Look the receiver's name up, at most once a minute.

        logging's ``sendto`` with a name asks the resolver for each datagram:
        a DNS query per log line where a container platform names the
        receiver, and a slow resolver holding the log thread. Once a minute,
        a receiver that moved (a new container) is still found; a lookup that
        fails keeps the address found before, if any.
        """
        now = time.monotonic()
        if now < self.resolve_at:
            return
        self.resolve_at = now + RESOLVE_EVERY  # a failed lookup too: not per record
        family, self.address = resolve(self.host, self.port)
        if self.sock is not None and self.sock.family != family:
            self.sock.close()  # an IPv4 socket cannot send to an IPv6 address
            self.sock = None
        self.family = family

    def makeSocket(self, timeout: float = 1) -> socket.socket:
        return socket.socket(self.family, socket.SOCK_DGRAM)

    @classmethod
    def _pack_gelf_dict(cls, gelf_dict: dict) -> bytes:
        fields = {
            key: value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            for key, value in gelf_dict.items()
        }
        try:
            packed = _json(fields, cls._object_to_json)
        except Exception:  # rare: the record goes, with its odd field as text
            packed = _json(
                {key: cls._jsonable(value) for key, value in fields.items()},
                cls._object_to_json,
            )
        return packed.encode("utf-8")

    @classmethod
    def _jsonable(cls, value):
        """The value, or its repr if JSON cannot carry it: NaN (which GELF
        receivers refuse as JSON), a dict keyed by tuples, one that holds
        itself, an object whose repr fails."""
        try:
            _json(value, cls._object_to_json)
        except Exception:
            try:
                return repr(value)
            except Exception:
                return f"<unprintable {type(value).__name__}>"
        return value


def resolve(host: str, port: int) -> tuple[socket.AddressFamily, tuple]:
    """The family and address to send to: IPv4 first, as logging's own UDP
    handler has it, else IPv6 (``::1``, an IPv6-only name)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            found = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)
        except socket.gaierror:
            continue
        return family, found[0][4]
    raise OSError(f"GELF_HOST {host!r} does not resolve")


def _json(value, default=None) -> str:
    # ASCII (non-ASCII escaped): a lone surrogate (a file name's undecodable
    # byte) stays an escape, where UTF-8 could not encode it.
    return json.dumps(value, separators=(",", ":"), default=default, allow_nan=False)


class TruncatingChunker(BaseGELFChunker):
    """Chunks; cuts a message of over 128 chunks to fit, rather than drop it.

    The cut keeps every field and the record's level (graypy's keeps the
    short message alone, as an error): the longest text is cut, in its
    middle, until the message fits, so a traceback keeps its start and the
    exception at its end. The cut message is marked ``_chunk_overflow`` and
    leaves uncompressed, as GELF allows. One that no cut makes fit (a chunk
    size of a few bytes) is dropped.
    """

    def chunk_message(self, message: bytes) -> Iterator[bytes]:
        if self._message_chunk_number(message) > GELF_MAX_CHUNK_NUMBER:
            if message[:2] == GZIP_MAGIC:
                message = gzip.decompress(message)
            message = self.cut(json.loads(message))
            if message is None:
                return
        yield from self._gen_gelf_chunks(message)

    def cut(self, gelf: dict) -> bytes | None:
        """The GELF dict as JSON in 128 chunks, its longest fields cut."""
        room = GELF_MAX_CHUNK_NUMBER * self.chunk_size
        gelf["_chunk_overflow"] = True
        while True:
            packed = _json(gelf)
            over = len(packed) - room
            if over <= 0:
                return packed.encode("ascii")
            sizes = {
                key: len(_json(value))
                for key, value in gelf.items()
                if key not in UNCUT and value != ""
            }
            if not sizes:
                return None
            key = max(sizes, key=sizes.__getitem__)
            value = gelf[key]
            text = value if isinstance(value, str) else _json(value)
            # Characters in proportion to bytes (JSON escapes some): shorter
            # at each pass, so this ends.
            keep = len(text) - len(CUT) - -(-over * len(text) // sizes[key])
            if keep > 0:
                tail = keep // 2
                gelf[key] = text[: keep - tail] + CUT + text[len(text) - tail :]
            elif key == "short_message":
                gelf[key] = ""  # GELF requires one
            else:
                del gelf[key]


class GelfLogs:
    """The Flask extension: sends the app's log records to a GELF receiver."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("GELF_HOST", "127.0.0.1")
        app.config.setdefault("GELF_PORT", None)
        app.config.setdefault("GELF_CHUNK_SIZE", 1420)
        app.config.setdefault("GELF_COMPRESS", True)
        app.extensions[KEY] = None
        if app.config["GELF_PORT"] is None:
            return
        handler = GelfHandler(
            app.config["GELF_HOST"],
            port_number(app.config["GELF_PORT"]),
            chunk_size=int(app.config["GELF_CHUNK_SIZE"]),
            compress=bool(app.config["GELF_COMPRESS"]),
        )
        LogQueue.of(app).add(handler)
        app.extensions[KEY] = handler

    @staticmethod
    def handler(app: Flask) -> logging.Handler | None:
        return app.extensions.get(KEY)


def port_number(value) -> int:
    """``GELF_PORT`` as a port, or a start-up error that names it."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        raise ValueError(f"GELF_PORT is a port number, 1 to 65535, not {value!r}")
    return port
