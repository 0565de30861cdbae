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

Measured with chapter 1's benchmark kit (:mod:`chapter01.machinery.kit`): the
rounds interleave every row, each row's figure is its median over the rounds,
shown with their spread, and the kit prints the table and draws the chart.
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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

import requests
import trustme
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from chapter01.machinery import kit

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


@dataclass
class Row:
    """One row of the table: what it measures, and its figure each round."""

    section: str
    variant: str
    size: int
    measure: Callable[[], float]  # ms per operation, over one round's calls
    times: list[float] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return kit.median(self.times)


def connection_rows(server: Server, calls: int, verify: bool | str = True) -> list[Row]:
    """``verify``: the CA file for HTTPS. It is passed on every call because
    requests lets ``REQUESTS_CA_BUNDLE`` override a ``Session.verify``."""
    url = f"{server.url}/ping"
    scheme = url.split(":")[0]

    def pooled() -> float:
        with requests.Session() as session:
            session.get(url, verify=verify)  # open the connection before timing
            opened = server.connections
            ms = per_call_ms(
                lambda: session.get(url, verify=verify, timeout=TIMEOUT), calls
            )
            # A pooled row that reconnected would measure nothing.
            assert server.connections == opened, "the pooled session reconnected"
        return ms

    def fresh() -> float:
        # requests.get makes a Session for the call and closes it: a new
        # connection (and for HTTPS a new TLS handshake) every time.
        return per_call_ms(
            lambda: requests.get(url, verify=verify, timeout=TIMEOUT), calls
        )

    return [
        Row("connections", f"{scheme}, {POOLED}", 2, pooled),
        Row("connections", f"{scheme}, {FRESH}", 2, fresh),
    ]


def payload_rows(runs: list[dict], repeats: int) -> list[Row]:
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
        rows.append(
            Row("payload", name, len(body), round_trips(encode, decode, repeats))
        )
    return rows


def round_trips(
    encode: Callable[[], bytes], decode: Callable[[bytes], object], repeats: int
) -> Callable[[], float]:
    """A round's measure: ms to encode then decode, over ``repeats`` times."""
    return lambda: per_call_ms(lambda: decode(encode()), repeats)


def cache_rows(url: str, calls: int) -> list[Row]:
    first = requests.get(url, timeout=TIMEOUT)
    etag = first.headers["ETag"]
    revalidated = requests.get(url, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert revalidated.status_code == 304

    def timed(headers: dict[str, str], read: Callable) -> Callable[[], float]:
        def measure() -> float:
            with requests.Session() as session:
                session.get(url, headers=headers, timeout=TIMEOUT)  # connected
                return per_call_ms(
                    lambda: read(session.get(url, headers=headers, timeout=TIMEOUT)),
                    calls,
                )

        return measure

    return [
        Row("cache", "full 200", len(first.content), timed({}, requests.Response.json)),
        Row(
            "cache",
            "304 revalidation",
            len(revalidated.content),
            timed({"If-None-Match": etag}, lambda response: response.content),
        ),
    ]


def measured(rows: list[Row], rounds: int) -> list[Row]:
    """Every row's figure once a round, the rows interleaved (chapter 1's kit)."""
    by_variant = {row.variant: row for row in rows}
    for _, variant in kit.interleaved(list(by_variant), rounds):
        by_variant[variant].times.append(by_variant[variant].measure())
    return rows


def run(calls: int, run_count: int, repeats: int, rounds: int) -> list[Row]:
    """``calls`` HTTP calls and ``repeats`` payload round trips per row and
    round, over ``run_count`` runs, for ``rounds`` rounds."""
    runs = sample_runs(run_count)
    app = DispatcherMiddleware(ping, {"/cache": http_cache.create_app(runs)})
    tls, authority = local_tls()
    with (
        serve(app) as http,
        serve(ping, tls) as https,
        authority.cert_pem.tempfile() as ca_file,
    ):
        rows = (
            connection_rows(http, calls)
            + connection_rows(https, calls, verify=ca_file)
            + payload_rows(runs, repeats)
            + cache_rows(f"{http.url}/cache/api/runs", calls)
        )
        return measured(rows, rounds)


HEADER = ("section", "variant", "bytes", "ms/op", "spread")


def table(rows: list[Row]) -> str:
    """The rows as the kit prints a table.

    >>> print(table([Row("payload", "json", 10, None, [0.5, 0.4, 0.6])]))
    section  variant  bytes  ms/op  spread
    payload  json        10  0.500    ±20%
    """
    return kit.table(
        HEADER,
        [
            (
                row.section,
                row.variant,
                str(row.size),
                f"{row.ms:.3f}",
                kit.spread(row.times),
            )
            for row in rows
        ],
        names=2,
    )


def pooling_savings(rows: list[tuple]) -> str:
    """What the pooled session saves per call, over HTTP and over HTTPS.

    >>> print(pooling_savings([
    ...     Row("connections", "http, pooled session", 2, None, [0.5]),
    ...     Row("connections", "http, new connection per call", 2, None, [1.0]),
    ...     Row("connections", "https, pooled session", 2, None, [0.5]),
    ...     Row("connections", "https, new connection per call", 2, None, [3.0]),
    ... ]))
    pooling saves 0.50 ms a call over http (2.0x faster), 2.50 ms over https (6.0x)
    """
    ms = {row.variant: row.ms for row in rows}
    http, https = (
        (ms[f"{scheme}, {FRESH}"], ms[f"{scheme}, {POOLED}"])
        for scheme in ("http", "https")
    )
    return (
        f"pooling saves {http[0] - http[1]:.2f} ms a call over http "
        f"({http[0] / http[1]:.1f}x faster), "
        f"{https[0] - https[1]:.2f} ms over https ({https[0] / https[1]:.1f}x)"
    )


# One chart per section and unit: (heading, section, bytes or milliseconds).
CHARTS = (
    ("connections: ms per call", "connections", "ms"),
    ("payloads: bytes", "payload", "bytes"),
    ("payloads: ms to encode then decode", "payload", "ms"),
    ("cache: ms per call", "cache", "ms"),
)


def chart(rows: list[Row], note: str) -> str:
    """The table as the kit's bar charts, one per section and unit, in SVG.

    >>> svg = chart([Row("cache", "full 200", 900, None, [2.5])], "one call")
    >>> svg.startswith("<svg") and ">full 200</text>" in svg and ">2.500</text>" in svg
    True
    """
    sections = []
    for heading, section, unit in CHARTS:
        chosen = [row for row in rows if row.section == section]
        if chosen:
            bars = [
                (row.variant, f"{row.ms:.3f}" if unit == "ms" else str(row.size))
                for row in chosen
            ]
            sections.append((heading, "less is better", bars))
    return kit.chart(sections, [note], left=210, colour="#2f855a")


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
    calls, run_count, repeats, rounds = (
        (10, 100, 10, 3) if smoke else (200, 1000, 60, 5)
    )
    note = (
        f"{rounds} rounds of {calls} HTTP calls per row, {run_count} runs per payload"
    )
    print(note)
    rows = run(calls, run_count, repeats, rounds)
    print(table(rows))
    print(pooling_savings(rows))
    if args.svg:
        args.svg.write_text(chart(rows, note), encoding="utf-8")
        print(f"chart: {args.svg}", file=sys.stderr)


if __name__ == "__main__":
    main()
