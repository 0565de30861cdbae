"""Ours, measured: what this chapter's monitoring costs a request.

``python -m chapter06.machinery.benchmark`` serves one request, ``GET /users/1/runs``
of chapter 4's data service (a user with 20 runs, in SQLite), five ways:

- ``none``: the data service as chapter 4 has it;
- ``logs``: a request id, and one record per request with its extra fields,
  written as a JSON line to a file and sent as a GELF datagram;
- ``metrics``: the Prometheus counters, histogram and in-flight gauge;
- ``tracing``: an OpenTelemetry span per request, sent over OTLP/HTTP in
  batches;
- ``all``: the three together.

Each variant runs in a process of its own (OpenTelemetry's tracer is one per
process); the GELF receiver and the OTLP collector run in this one, so their
work is not counted in the service's. The requests go through Flask's test
client, one after the other: the figures are the cost of the service's code
and its instrumentation, without an HTTP server's or a network's, which
would be the same for the five. The variants take turns over several rounds
(``--rounds``, ``--requests`` each), and each figure is the median over the
rounds, as in chapter 1's benchmark: a burst of work elsewhere on the
machine spoils a round, not a variant. ``SMOKE_TEST=1`` makes a short run.
"""

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from argparse import SUPPRESS
from datetime import datetime, timedelta

VARIANTS = (
    "none",
    "logs",
    "gelf",
    "metrics",
    "tracing",
    "traced-10%",
    "all",
    "all-10%",
)
PATH = "/users/1/runs"
RUNS = 20


def build(variant: str, folder: str, gelf_port: int, otlp_url: str):
    """The data service with ``variant``'s instrumentation; its database ready.

    ``logs``: a request id and one JSON line per request (to a file, as a
    container platform's pipe would take it); ``gelf``: the same records as
    GELF datagrams instead, the book's way; ``tracing``: a span per request;
    ``traced-10%``: one request in ten starts a trace; ``all``: logs,
    metrics and tracing; ``all-10%``: the same, one request in ten traced.
    """
    from chapter04.dataservice import create_app, db
    from chapter04.monolith.models import Run, User

    from .. import prometheus_metrics
    from ..gelf_logs import GelfLogs
    from ..json_logs import ConsoleLogs
    from ..request_id import RequestId
    from ..request_logs import RequestLogs
    from ..tracing import Tracing

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/{variant}.db",
        SERVICE_NAME="data",
        LOG_FORMAT="json",
        GELF_PORT=gelf_port if variant == "gelf" else None,
        OTLP_ENDPOINT=otlp_url,
        TRACE_SAMPLE_RATIO=0.1 if variant.endswith("10%") else 1.0,
    )
    logs = variant in ("logs", "gelf") or variant.startswith("all")
    # Metrics first: they count every request, even one that another
    # extension answers before the view.
    if variant == "metrics" or variant.startswith("all"):
        prometheus_metrics.init_app(app)
    if logs:
        RequestId(app)
        RequestLogs(app)
    if logs and variant != "gelf":
        # A file, not the terminal: what a container platform's pipe costs.
        log = open(f"{folder}/{variant}.log", "a")  # noqa: SIM115 (process-long)
        ConsoleLogs(app, stream=log)
    GelfLogs(app)  # on only where GELF_PORT is set
    if variant in ("tracing", "traced-10%") or variant.startswith("all"):
        Tracing(app)
    with app.app_context():
        user = User(email="ada@example.com", firstname="Ada")
        db.session.add(user)
        db.session.flush()
        for number in range(RUNS):
            db.session.add(
                Run(
                    user_id=user.id,
                    strava_id=number,
                    name=f"run {number}",
                    distance=10_000.0,
                    start_date=datetime_of(number),
                    elapsed_time=3_100,
                    moving_time=3_000,
                    average_speed=3.3,
                    max_speed=4.5,
                )
            )
        db.session.commit()
    return app


def datetime_of(day: int) -> datetime:
    # The model keeps UTC times without a zone.
    return datetime(2026, 10, 1, 7) + timedelta(days=day)


def serve(arguments) -> None:
    """A variant's process: on each line ``N`` of stdin, time N requests."""
    with tempfile.TemporaryDirectory(
        prefix=f"ch06-bench-{arguments.variant}-"
    ) as folder:
        app = build(arguments.variant, folder, arguments.gelf_port, arguments.otlp)
        client = app.test_client()
        for _ in range(arguments.warm_up):
            assert client.get(PATH).status_code == 200
        print("ready", flush=True)
        for line in sys.stdin:
            count = int(line)
            latencies = []
            started = time.perf_counter()
            for _ in range(count):
                before = time.perf_counter()
                status = client.get(PATH).status_code
                latencies.append(time.perf_counter() - before)
                if status != 200:
                    print(json.dumps({"error": f"status {status}"}), flush=True)
                    return
            elapsed = time.perf_counter() - started
            print(json.dumps({"elapsed": elapsed, "latencies": latencies}), flush=True)


class Variant:
    """A variant's process, driven through its stdin and stdout."""

    def __init__(self, name: str, gelf_port: int, otlp_url: str, warm_up: int):
        self.name = name
        self.rounds: list[dict] = []
        command = [
            sys.executable,
            "-m",
            "chapter06.machinery.benchmark",
            "--serve",
            name,
        ]
        command += ["--gelf-port", str(gelf_port), "--otlp", otlp_url]
        command += ["--warm-up", str(warm_up)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def wait_until_ready(self) -> None:
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{self.name}: the service did not start")

    def run(self, count: int) -> None:
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or '{"error": "died"}')
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        latencies = sorted(answer["latencies"])
        self.rounds.append(
            {
                "rate": count / answer["elapsed"],
                "p50": percentile(latencies, 0.50) * 1000,
                "p99": percentile(latencies, 0.99) * 1000,
            }
        )

    def median(self, figure: str) -> float:
        return statistics.median(round_[figure] for round_ in self.rounds)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def percentile(ordered: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the sorted values fall."""
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def table(variants: list[Variant]) -> str:
    base = variants[0].median("rate")
    lines = [
        f"{'variant':<10} {'requests/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'cost':>6}"
    ]
    for variant in variants:
        rate = variant.median("rate")
        cost = "" if variant is variants[0] else f"{1 - rate / base:>6.0%}"
        lines.append(
            f"{variant.name:<10} {rate:>10.0f} {variant.median('p50'):>7.2f} "
            f"{variant.median('p99'):>7.2f} {cost:>6}"
        )
    return "\n".join(lines)


def receivers():
    """The GELF receiver and the OTLP collector, in threads of this process."""
    from werkzeug.serving import make_server

    from .gelf_receiver import GelfReceiver
    from .otlp_receiver import create_app

    gelf = GelfReceiver(echo=False).start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per batch
    otlp = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=otlp.serve_forever, args=(0.05,), daemon=True).start()
    return gelf, otlp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=1500, help="per round")
    parser.add_argument("--warm-up", type=int, default=200, help="requests, uncounted")
    parser.add_argument(
        "--serve", choices=VARIANTS, dest="variant", help=argparse.SUPPRESS
    )
    parser.add_argument("--gelf-port", type=int, help=SUPPRESS)
    parser.add_argument("--otlp", help=SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.variant:
        serve(arguments)
        return 0
    if os.environ.get("SMOKE_TEST") == "1":
        arguments.rounds, arguments.requests, arguments.warm_up = 2, 20, 5
    gelf, otlp = receivers()
    otlp_url = f"http://127.0.0.1:{otlp.server_port}"
    variants: list[Variant] = []
    try:
        # All start at once: their imports and warm-ups overlap.
        for name in VARIANTS:
            variants.append(Variant(name, gelf.udp_port, otlp_url, arguments.warm_up))
        for variant in variants:
            variant.wait_until_ready()
        print(
            f"# {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}\n# GET {PATH}, Flask's test client; "
            f"{arguments.rounds} rounds of {arguments.requests} requests a variant; "
            "medians",
            flush=True,
        )
        for round_ in range(arguments.rounds):
            # Each round starts one variant further on: none is always first.
            for offset in range(len(variants)):
                variants[(round_ + offset) % len(variants)].run(arguments.requests)
        print(table(variants))
    finally:
        for variant in variants:
            variant.stop()
        gelf.stop()
        otlp.shutdown()
        otlp.server_close()
    print(f"# the GELF receiver got {sum(gelf.counts.values())} messages meanwhile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
