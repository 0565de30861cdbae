"""Book: chapter 5, 'Synchronous calls' and 'Improving data transfer', measured.

``python -m chapter05.benchmark`` measures, in one run and on the same data,
what the chapter's techniques buy, and prints one table:

- connections: a pooled ``requests.Session`` (keep-alive) against a new
  connection for every call, on a real local HTTP/1.1 server in a thread;
- payloads: the same runs list as JSON, gzipped JSON, MessagePack and
  protobuf: size, and the time to encode then decode it;
- cache: a full ``200`` download against a ``304`` revalidation.

``SMOKE_TEST=1`` makes it a run of about a second (used by the tests).
Numbers depend on the machine; compare rows of one run, not runs.
"""

import gzip
import json
import os
import threading
import time
from collections.abc import Callable

import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

from . import binary_payloads, http_cache
from .runs import sample_runs


class KeepAliveHandler(WSGIRequestHandler):
    # Werkzeug speaks HTTP/1.0 by default, which closes every connection:
    # HTTP/1.1 keeps them open, as production servers do.
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs):
        pass  # thousands of access log lines would drown the table


def ping(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def per_call_ms(function: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) * 1000 / calls


def measure_connections(url: str, calls: int) -> list[tuple]:
    with requests.Session() as session:
        session.get(url)  # open the connection before timing
        pooled = per_call_ms(lambda: session.get(url), calls)
    fresh = per_call_ms(lambda: requests.get(url), calls)
    return [
        ("connections", "pooled session", 2, pooled),
        ("connections", "new connection per call", 2, fresh),
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
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        return (
            measure_connections(f"{base}/ping", calls)
            + measure_payloads(runs, rounds)
            + measure_cache(f"{base}/cache/api/runs", calls)
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def table(rows: list[tuple]) -> str:
    lines = [
        f"{'section':<12} {'variant':<24} {'bytes':>9} {'ms/op':>9}",
        f"{'-' * 12} {'-' * 24} {'-' * 9} {'-' * 9}",
    ]
    for section, variant, size, ms in rows:
        lines.append(f"{section:<12} {variant:<24} {size:>9} {ms:>9.3f}")
    return "\n".join(lines)


def main() -> None:
    smoke = os.environ.get("SMOKE_TEST") == "1"
    calls, run_count, rounds = (30, 100, 30) if smoke else (1000, 1000, 300)
    print(f"{calls} HTTP calls per row, {run_count} runs per payload")
    print(table(run(calls, run_count, rounds)))


if __name__ == "__main__":
    main()
