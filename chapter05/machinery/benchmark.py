"""Book: chapter 5, 'Synchronous calls' > 'Connection pooling', and the rest, measured.

``python -m chapter05.machinery.benchmark`` measures, in one run and on the same data,
what the chapter's techniques buy, and prints one table:

- connections: a pooled ``requests.Session`` (keep-alive) against a new
  connection for every call, over HTTP and over HTTPS (TLS with a throwaway
  certificate authority made by ``trustme``, which the client verifies);
- payloads: the same runs list as JSON, gzipped JSON, MessagePack and
  protobuf: size, and the time to encode then decode it;
- cache: a full ``200`` download against a ``304`` revalidation.

The servers run in threads of this process, on 127.0.0.1. ``SMOKE_TEST=1``
makes it a run of about a second. Numbers depend on the machine; compare rows
of one run, not runs. ``--svg chart.svg`` also draws the table as bar charts
(``benchmark.svg`` beside this file is the README's table, drawn).
"""

import argparse
import gzip
import json
import os
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer
from xml.sax.saxutils import escape

import requests
import trustme
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from .. import binary_payloads, http_cache
from ..runs import sample_runs

POOLED = "pooled session"
FRESH = "new connection per call"
# Every call of a client has a timeout (chapter 5): a stuck server fails the run.
TIMEOUT = 10


class HTTP11ServerHandler(ServerHandler):
    # wsgiref answers "HTTP/1.0", after which a client closes the connection.
    http_version = "1.1"


class KeepAliveHandler(WSGIRequestHandler):
    """Serves a WSGI app, request after request on the same connection.

    Flask's development server (Werkzeug's, behind ``app.run``) answers
    ``Connection: close`` to every request, so a client could never reuse a
    connection to it: pooling would show nothing. Production servers keep
    connections open (HTTP/1.1 keep-alive); so does this one, for GETs (a
    request body left unread would be taken for the next request).
    """

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without this, on a reused
    # connection the body waits for the client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True
    # http.server's loop over the requests of a connection; wsgiref's own
    # handle() serves one request and returns.
    handle = BaseHTTPRequestHandler.handle

    def do_GET(self):
        handler = HTTP11ServerHandler(
            self.rfile,
            self.wfile,
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # for its log_request call
        handler.run(self.server.get_app())

    def log_request(self, *args, **kwargs):
        pass  # thousands of access log lines would drown the table


class Server(ThreadingMixIn, WSGIServer):
    """A thread per connection; counts the connections it accepted."""

    daemon_threads = True  # a connection left open does not block the exit
    connections = 0
    url = ""

    def process_request(self, request, client_address):
        # Called on accepting, before the response: the count is up to date
        # by the time the client has its answer.
        self.connections += 1
        super().process_request(request, client_address)


@contextmanager
def serve(app, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread, over TLS if given."""
    server = Server(("127.0.0.1", 0), KeepAliveHandler)
    server.set_app(app)
    scheme = "http"
    if tls is not None:
        # Every accepted connection starts with the TLS handshake.
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    server.url = f"{scheme}://127.0.0.1:{server.server_port}"
    # It checks for shutdown() between waits of poll_interval (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,))
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def local_tls() -> tuple[ssl.SSLContext, trustme.CA]:
    """A server TLS context for 127.0.0.1, and the test CA that issued it."""
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context, authority


def ping(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def per_call_ms(function: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) * 1000 / calls


def measure_connections(
    server: Server, calls: int, verify: bool | str = True
) -> list[tuple]:
    """``verify``: the CA file for HTTPS. It is passed on every call because
    requests lets ``REQUESTS_CA_BUNDLE`` override a ``Session.verify``."""
    url = f"{server.url}/ping"
    scheme = url.split(":")[0]
    with requests.Session() as session:
        session.get(url, verify=verify)  # open the connection before timing
        opened = server.connections
        pooled = per_call_ms(
            lambda: session.get(url, verify=verify, timeout=TIMEOUT), calls
        )
        # A pooled row that reconnected would measure nothing.
        assert server.connections == opened, "the pooled session reconnected"
    # requests.get makes a Session for the call and closes it: a new
    # connection (and for HTTPS a new TLS handshake) every time.
    fresh = per_call_ms(
        lambda: requests.get(url, verify=verify, timeout=TIMEOUT), calls
    )
    return [
        ("connections", f"{scheme}, {POOLED}", 2, pooled),
        ("connections", f"{scheme}, {FRESH}", 2, fresh),
    ]


def measure_payloads(runs: list[dict], rounds: int) -> list[tuple]:
    encoders = {
        "json": (
            lambda: json.dumps(runs).encode(),
            json.loads,
        ),
        "gzip json": (
            lambda: gzip.compress(json.dumps(runs).encode()),
            lambda body: json.loads(gzip.decompress(body)),
        ),
        "msgpack": (
            lambda: binary_payloads.encode(runs, binary_payloads.MSGPACK),
            lambda body: binary_payloads.decode(body, binary_payloads.MSGPACK),
        ),
        "protobuf": (
            lambda: binary_payloads.encode(runs, binary_payloads.PROTOBUF),
            lambda body: binary_payloads.decode(body, binary_payloads.PROTOBUF),
        ),
    }
    rows = []
    for name, (encode, decode) in encoders.items():
        body = encode()
        assert len(decode(body)) == len(runs)  # a fast wrong codec proves nothing
        round_trip = per_call_ms(lambda e=encode, d=decode: d(e()), rounds)
        rows.append(("payload", name, len(body), round_trip))
    return rows


def measure_cache(url: str, calls: int) -> list[tuple]:
    with requests.Session() as session:
        first = session.get(url)
        etag = first.headers["ETag"]
        full = per_call_ms(lambda: session.get(url).json(), calls)
        revalidated = session.get(url, headers={"If-None-Match": etag})
        assert revalidated.status_code == 304
        not_modified = per_call_ms(
            lambda: session.get(url, headers={"If-None-Match": etag}), calls
        )
    return [
        ("cache", "full 200", len(first.content), full),
        ("cache", "304 revalidation", len(revalidated.content), not_modified),
    ]


def run(calls: int, run_count: int, rounds: int) -> list[tuple]:
    runs = sample_runs(run_count)
    app = DispatcherMiddleware(ping, {"/cache": http_cache.create_app(runs)})
    tls, authority = local_tls()
    with (
        serve(app) as http,
        serve(ping, tls) as https,
        authority.cert_pem.tempfile() as ca_file,
    ):
        return (
            measure_connections(http, calls)
            + measure_connections(https, calls, verify=ca_file)
            + measure_payloads(runs, rounds)
            + measure_cache(f"{http.url}/cache/api/runs", calls)
        )


def table(rows: list[tuple]) -> str:
    lines = [
        f"{'section':<12} {'variant':<30} {'bytes':>9} {'ms/op':>9}",
        f"{'-' * 12} {'-' * 30} {'-' * 9} {'-' * 9}",
    ]
    for section, variant, size, ms in rows:
        lines.append(f"{section:<12} {variant:<30} {size:>9} {ms:>9.3f}")
    return "\n".join(lines)


def pooling_savings(rows: list[tuple]) -> str:
    """What the pooled session saves per call, over HTTP and over HTTPS.

    >>> print(pooling_savings([
    ...     ("connections", "http, pooled session", 2, 0.5),
    ...     ("connections", "http, new connection per call", 2, 1.0),
    ...     ("connections", "https, pooled session", 2, 0.5),
    ...     ("connections", "https, new connection per call", 2, 3.0),
    ... ]))
    pooling saves 0.50 ms a call over http (2.0x faster), 2.50 ms over https (6.0x)
    """
    ms = {variant: value for section, variant, _, value in rows}
    http, https = (
        (ms[f"{scheme}, {FRESH}"], ms[f"{scheme}, {POOLED}"])
        for scheme in ("http", "https")
    )
    return (
        f"pooling saves {http[0] - http[1]:.2f} ms a call over http "
        f"({http[0] / http[1]:.1f}x faster), "
        f"{https[0] - https[1]:.2f} ms over https ({https[0] / https[1]:.1f}x)"
    )


# One chart per section and unit: (heading, section, figure: 2 bytes, 3 ms).
CHARTS = (
    ("connections: ms per call", "connections", 3),
    ("payloads: bytes", "payload", 2),
    ("payloads: ms to encode then decode", "payload", 3),
    ("cache: ms per call", "cache", 3),
)


def chart(rows: list[tuple], note: str) -> str:
    """The table as horizontal bar charts, one per section and unit, in SVG.

    Every chart here is "less is better". Written out by hand, so the same
    table gives the same file, byte for byte; ``note`` goes on top.

    >>> svg = chart([("cache", "full 200", 900, 2.5)], "one call")
    >>> svg.startswith("<svg") and ">full 200</text>" in svg and ">2.500</text>" in svg
    True
    """
    width, left, room, line = 640, 210, 360, 20
    out = [f'<text x="10" y="26" class="note">{escape(note)} (less is better)</text>']
    y = 26
    for heading, section, figure in CHARTS:
        chosen = [row for row in rows if row[0] == section]
        if not chosen:
            continue
        y += 30
        out.append(f'<text x="10" y="{y}" class="heading">{escape(heading)}</text>')
        top = max(row[figure] for row in chosen) or 1
        for row in chosen:
            y += line
            length = row[figure] / top * room
            value = f"{row[figure]:.3f}" if figure == 3 else str(row[figure])
            out += [
                f'<text x="{left - 8}" y="{y}" class="label">{escape(row[1])}</text>',
                f'<rect x="{left}" y="{y - 12}" width="{length:.1f}" height="14"/>',
                f'<text x="{left + length + 6:.1f}" y="{y}">{value}</text>',
            ]
    height = y + 14
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="12">',
            "<style>.note{fill:#555}.heading{font-weight:bold}"
            ".label{text-anchor:end}rect{fill:#2f855a}</style>",
            # Its own background: the chart stays readable on a dark page.
            f'<rect width="{width}" height="{height}" style="fill:#fff"/>',
            *out,
            "</svg>",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chapter05.machinery.benchmark",
        description="Measure pooling, payload formats and HTTP caching; print a table.",
    )
    parser.add_argument(
        "--svg", type=Path, help="also draw the table as bar charts in this SVG file"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    smoke = os.environ.get("SMOKE_TEST") == "1"
    calls, run_count, rounds = (30, 100, 30) if smoke else (1000, 1000, 300)
    note = f"{calls} HTTP calls per row, {run_count} runs per payload"
    print(note)
    rows = run(calls, run_count, rounds)
    print(table(rows))
    print(pooling_savings(rows))
    if args.svg:
        args.svg.write_text(chart(rows, note), encoding="utf-8")
        print(f"chart: {args.svg}", file=sys.stderr)


if __name__ == "__main__":
    main()
