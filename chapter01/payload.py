"""Book: chapter 1, 'Implementing microservices with Python'.

What every one of the six servers answers, kept apart from how they serve it.

The six servers of this chapter differ only in their server model (one
blocking thread, greenlets, callbacks, coroutines); each hands the method and
the path of a request to :func:`respond` and writes back what it returns. So a
difference a test or the benchmark sees is the server's, not the app's.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus

API_PATH = "/api"
ALLOWED_METHODS = ("GET",)
CONTENT_TYPE = "application/json"
DEFAULT_PORT = 5000


@dataclass(frozen=True)
class Response:
    """A status, extra headers and a JSON body, for any server to write."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status_line(self) -> str:
        """``"200 OK"``, the form WSGI's ``start_response`` wants."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def all_headers(self) -> list[tuple[str, str]]:
        """Content type and length first, then the extra ones (``Allow``)."""
        return [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]


def utc_now() -> str:
    """The current time in ISO 8601, UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def encode(data: dict) -> bytes:
    # Compact, one line and a newline: what curl shows is what a test reads.
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


def api_body(server: str) -> dict:
    """The body of ``GET /api``: which implementation answered, and when."""
    return {"server": server, "time": utc_now()}


def error(status: int, message: str, headers=()) -> Response:
    """An API error is JSON too, never a server's HTML page."""
    return Response(
        status, encode({"status": status, "message": message}), list(headers)
    )


def respond(method: str, path: str, server: str) -> Response:
    """Route one request: the whole application, in three cases."""
    if path != API_PATH:
        return error(404, f"{path} not found; try GET {API_PATH}")
    if method not in ALLOWED_METHODS:
        allowed = ", ".join(ALLOWED_METHODS)
        return error(405, f"{method} not allowed on {path}", [("Allow", allowed)])
    return Response(200, encode(api_body(server)))


def banner(server: str, port: int) -> str:
    """The line every server prints when it starts, with the URL to try."""
    return f"{server} service on http://127.0.0.1:{port}{API_PATH} (Ctrl-C stops it)"


def listen_port() -> int:
    """``$PORT``, 5000 unless set: the convention of every example here."""
    return int(os.environ.get("PORT", DEFAULT_PORT))
