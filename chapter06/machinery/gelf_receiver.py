"""Book: chapter 6, "Centralizing logs" > "Setting up Graylog": a GELF receiver.

Graylog is not packaged here, so this small receiver plays its GELF UDP input
and, over HTTP, a little of its search. It shows the wire format Graylog
reads: each datagram is one JSON message, zlib- or gzip-compressed or plain,
or one chunk of a larger one (magic bytes ``1e 0f``, an 8-byte message id, a
sequence number and a count, at most 128 chunks). Chunks are put back
together; a message whose chunks do not all arrive within ``chunk_timeout``
seconds is dropped. Whatever cannot be read is counted and dropped: a bad
datagram never stops the receiver.

``python -m chapter06.machinery.gelf_receiver`` listens on UDP ``$PORT`` (default
5000), prints each message as a JSON line, and answers on TCP ``$PORT``:
``GET /messages`` (filters: ``?request_id=...``, any field, with or without
GELF's ``_`` prefix) and ``GET /stats``. In-process::

    >>> receiver = GelfReceiver(echo=False)
    >>> receiver.handle_datagram(b'{"version": "1.1", "short_message": "hi"}')
    >>> receiver.handle_datagram(b"\\x1e\\x0f garbage")
    >>> receiver.search(short_message="hi")
    [{'version': '1.1', 'short_message': 'hi'}]
    >>> receiver.stats()["dropped"]
    {'bad chunk header': 1}
"""

import json
import os
import signal
import socket
import sys
import threading
import time
import zlib
from collections import Counter, deque

from flask import Flask, abort, jsonify, request
from werkzeug.serving import make_server

from chapter02.skeleton.errors import register_json_errors

CHUNK_MAGIC = b"\x1e\x0f"
CHUNK_HEADER = 12  # magic (2), message id (8), sequence number (1), count (1)
MAX_CHUNKS = 128  # the GELF spec's limit
MAX_DATAGRAM = 65535
MAX_MESSAGE = 1024 * 1024  # decompressed: a small zip bomb is still dropped
MAX_PENDING = 1000  # chunked messages being put together at once
# zlib's window bits + 32: it reads a zlib or a gzip header, whichever comes.
ZLIB_OR_GZIP = zlib.MAX_WBITS | 32


class BadMessage(ValueError):
    """A datagram that is not GELF; its text is the reason it was dropped."""


def decode(payload: bytes) -> dict:
    """One whole GELF message: JSON, zlib-, gzip-compressed or plain."""
    if payload[:1] in (b"\x78", b"\x1f"):  # zlib's and gzip's first bytes
        inflater = zlib.decompressobj(ZLIB_OR_GZIP)
        try:
            payload = inflater.decompress(payload, MAX_MESSAGE)
        except zlib.error:
            raise BadMessage("bad compression") from None
        if inflater.unconsumed_tail:
            raise BadMessage("too large")
        if not inflater.eof:
            raise BadMessage("bad compression")
    try:
        message = json.loads(payload)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadMessage("not JSON") from None
    if not isinstance(message, dict) or not isinstance(
        message.get("short_message"), str
    ):
        raise BadMessage("not GELF")
    return message


class GelfReceiver:
    """Receive GELF over UDP; serve what arrived over HTTP. ``start``/``stop``.

    Ports 0 (the default) mean free ones: read ``udp_port`` and ``http_port``
    after ``start()``. ``http_port=None`` serves no HTTP at all.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        udp_port: int = 0,
        http_port: int | None = None,
        chunk_timeout: float = 5.0,
        keep: int = 10_000,
        echo: bool = True,
        clock=time.monotonic,
    ):
        self.host = host
        self.udp_port = udp_port
        self.http_port = http_port
        self.chunk_timeout = chunk_timeout
        self.echo = echo
        self.clock = clock
        self.messages: deque[dict] = deque(maxlen=keep)  # the newest `keep`
        self.counts: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        # message id -> (first chunk's arrival time, count, {sequence: bytes})
        self.pending: dict[bytes, tuple[float, int, dict[int, bytes]]] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._socket: socket.socket | None = None
        self._http = None
        self._threads: list[threading.Thread] = []
        self._running = threading.Event()

    # -- datagrams ---------------------------------------------------------

    def handle_datagram(self, datagram: bytes) -> None:
        """Store the message the datagram ends, if any; never raises."""
        now = self.clock()
        with self.changed:
            self.counts["datagrams"] += 1
            self._expire(now)
            try:
                payload = self._reassemble(datagram, now)
                if payload is None:
                    return  # more chunks to come
                message = decode(payload)
            except BadMessage as error:
                self.dropped[str(error)] += 1
                return
            self.counts["messages"] += 1
            self.messages.append(message)
            self.changed.notify_all()
        if self.echo:
            print(json.dumps(message, sort_keys=True, default=str), flush=True)

    def _reassemble(self, datagram: bytes, now: float) -> bytes | None:
        if not datagram.startswith(CHUNK_MAGIC):
            return datagram
        if len(datagram) <= CHUNK_HEADER:
            raise BadMessage("bad chunk header")
        message_id = datagram[2:10]
        sequence, count = datagram[10], datagram[11]
        if not 0 < count <= MAX_CHUNKS or sequence >= count:
            raise BadMessage("bad chunk header")
        self.counts["chunks"] += 1
        if message_id not in self.pending:
            if len(self.pending) >= MAX_PENDING:
                raise BadMessage("too many incomplete messages")
            self.pending[message_id] = (now, count, {})
        _, expected, chunks = self.pending[message_id]
        if count != expected:
            del self.pending[message_id]
            raise BadMessage("inconsistent chunk count")
        chunks[sequence] = datagram[CHUNK_HEADER:]  # a repeated chunk: the last
        if len(chunks) < count:
            return None
        del self.pending[message_id]
        self.counts["chunked messages"] += 1
        return b"".join(chunks[number] for number in range(count))

    def _expire(self, now: float) -> None:
        for message_id, (first, _, _) in list(self.pending.items()):
            if now - first > self.chunk_timeout:
                del self.pending[message_id]
                self.dropped["incomplete (chunks missing)"] += 1

    # -- what arrived ------------------------------------------------------

    def search(self, **fields: str) -> list[dict]:
        """Messages whose ``field`` (or GELF's ``_field``) equals each value.

        Values compare as text, as they arrive in a query string.
        """
        with self.lock:
            return [message for message in self.messages if matches(message, fields)]

    def wait_for(self, count: int = 1, timeout: float = 10.0, **fields: str):
        """At least ``count`` messages matching ``fields``; bounded wait."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [m for m in self.messages if matches(m, fields)]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self.changed.wait(left)

    def stats(self) -> dict:
        with self.lock:
            self._expire(self.clock())
            return {
                **{name: self.counts[name] for name in COUNTS},
                "incomplete": len(self.pending),
                "dropped": dict(self.dropped),
            }

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    # -- running -----------------------------------------------------------

    def start(self) -> "GelfReceiver":
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((self.host, self.udp_port))
        self.udp_port = self._socket.getsockname()[1]
        # Wake up now and then to expire old chunks and to notice stop().
        self._socket.settimeout(0.2)
        self._running.set()
        self._threads.append(threading.Thread(target=self._receive, daemon=True))
        if self.http_port is not None:
            self._http = make_server(
                self.host, self.http_port, create_app(self), threaded=True
            )
            self.http_port = self._http.server_port
            self._threads.append(
                threading.Thread(
                    target=self._http.serve_forever, args=(0.05,), daemon=True
                )
            )
        for thread in self._threads:
            thread.start()
        return self

    def _receive(self) -> None:
        while self._running.is_set():
            try:
                datagram = self._socket.recv(MAX_DATAGRAM)
            except TimeoutError:
                with self.lock:
                    self._expire(self.clock())
                continue
            except OSError:  # closed by stop()
                break
            self.handle_datagram(datagram)

    def stop(self) -> None:
        self._running.clear()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> "GelfReceiver":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


COUNTS = ("datagrams", "chunks", "chunked messages", "messages")


def matches(message: dict, fields: dict[str, str]) -> bool:
    for name, value in fields.items():
        field = name if name in message else f"_{name}"
        if field not in message or str(message[field]) != value:
            return False
    return True


def create_app(receiver: GelfReceiver) -> Flask:
    """The search API: ``/messages`` and ``/stats``, JSON errors."""
    app = Flask(__name__)
    register_json_errors(app)

    @app.get("/messages")
    def messages():
        fields = request.args.to_dict()
        if len(fields) != len(list(request.args.items(multi=True))):
            abort(400, "Give each field once.")
        return jsonify(receiver.search(**fields))

    @app.delete("/messages")
    def clear():
        receiver.clear()
        return "", 204

    @app.get("/stats")
    def stats():
        return receiver.stats()

    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    receiver = GelfReceiver(udp_port=port, http_port=port).start()
    print(
        f"GELF receiver on udp://127.0.0.1:{port}; "
        f"messages at http://127.0.0.1:{port}/messages (Ctrl-C stops it)",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
