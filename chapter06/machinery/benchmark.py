"""Ours, measured: what this chapter's monitoring costs a request.

``python -m chapter06.machinery.benchmark`` serves one request, ``GET /users/1/runs``
of chapter 4's data service (a user with 20 runs, in SQLite), in thirteen
variants (:data:`VARIANTS`): with no monitoring, with each kind alone, and
with all of it, every request traced or one in ten; and, for the kinds that
miss their targets, their floors: the same kinds cut to the fewest calls
into their libraries, the least that they can cost.

Each variant runs in a process of its own (OpenTelemetry's tracer is one per
process); the GELF receiver and the OTLP collector run in this one, so their
work is not counted in the service's. The requests go through Flask's test
client, one after the other: the figures are the cost of the service's code
and its instrumentation, without an HTTP server's or a network's, which
would be the same for all. The variants take turns over several rounds
(chapter 1's kit, :func:`chapter01.machinery.kit.interleaved`), each round
ending when what it logged is written and what it traced is sent, so work
left to a thread is counted. Each figure is the median over the rounds.

The cost is the CPU time a request takes, against ``none``'s: the time of
every thread of the service's process (a log thread's, an exporter's),
which a busy machine disturbs far less than a rate. ``SMOKE_TEST=1`` makes
a short run; ``--profile VARIANT`` shows where a variant's time goes, under
cProfile; ``--hooks VARIANT`` what each of its Flask hooks costs inside
the request, without a profiler.
"""

import argparse
import cProfile
import json
import logging
import os
import pstats
import re
import subprocess
import sys
import tempfile
import threading
import time
from argparse import SUPPRESS
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from chapter01.machinery import kit

VARIANTS = (
    "none",
    "logs",
    "gelf",
    "metrics",
    "tracing",
    "traced-10%",
    "all",
    "all-10%",
    "floor-logs",
    "floor-gelf",
    "floor-tracing",
    "floor-all",
    "floor-all-10%",
)
# The variants that have each kind of monitoring. Request logs (a request
# id and a record per request) go to a file, but gelf's as GELF datagrams.
METRICS = ("metrics", "all", "all-10%")
REQUEST_LOGS = ("logs", "gelf", "all", "all-10%")
TRACING = ("tracing", "traced-10%", "all", "all-10%")
# A floor variant does the fewest library calls for the same kinds:
# the least that kind of monitoring can cost with them (see add_floor).
FLOOR = "floor-"
ROOT = Path(__file__).resolve().parents[2]
PATH = "/users/1/runs"
RUNS = 20
# (what, variants, at most): the chapter's targets, as costs against none.
TARGETS = (
    ("each kind alone", ("logs", "gelf", "metrics", "tracing", "traced-10%"), 0.15),
    ("all, every request traced", ("all",), 0.15),
    ("all, one request in ten traced", ("all-10%",), 0.08),
)
# Where the profile looks: the monitoring's code, not the service's.
MONITORING = (
    "chapter06",
    "logging",
    "pythonjsonlogger",
    "graypy",
    "opentelemetry",
    "prometheus_client",
    "uuid",
)


def build(variant: str, folder: str, gelf_port: int, otlp_url: str):
    """The data service with ``variant``'s instrumentation; its database ready.

    ``logs``: a request id and one JSON line per request (to a file, as a
    container platform's pipe would take it); ``gelf``: the same records as
    GELF datagrams instead, the book's way; ``tracing``: a span per request;
    ``traced-10%``: one request in ten starts a trace; ``all``: logs,
    metrics and tracing; ``all-10%``: the same, one request in ten traced.
    ``floor-logs`` and the other ``floor-`` variants: the same kinds, cut to
    the fewest calls into their libraries (:func:`add_floor`).
    """
    from chapter04.dataservice import create_app

    from .. import prometheus_metrics
    from ..gelf_logs import GelfLogs
    from ..json_logs import ConsoleLogs
    from ..request_id import RequestId
    from ..request_logs import RequestLogs
    from ..tracing import Tracing

    floor = variant.startswith(FLOOR)
    variant = variant.removeprefix(FLOOR)
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/{variant}.db",
        SERVICE_NAME="data",
        LOG_FORMAT="json",
        GELF_PORT=gelf_port if variant == "gelf" else None,
        OTLP_ENDPOINT=otlp_url,
        TRACE_SAMPLE_RATIO=0.1 if variant.endswith("10%") else 1.0,
    )
    # Metrics first: they count every request, even one that another
    # extension answers before the view.
    if variant in METRICS and not floor:
        prometheus_metrics.init_app(app)
    if variant in REQUEST_LOGS and not floor:
        RequestId(app)
        RequestLogs(app)
    if variant in REQUEST_LOGS and variant != "gelf":
        # A file, not the terminal: what a container platform's pipe costs.
        log = open(f"{folder}/{variant}.log", "a")  # noqa: SIM115 (process-long)
        ConsoleLogs(app, stream=log)
    GelfLogs(app)  # on only where GELF_PORT is set
    if variant in TRACING:
        Tracing(app)
    if floor:
        add_floor(app, variant)
    add_runner(app)
    return app


def add_floor(app, variant: str) -> None:
    """``variant``'s kinds of monitoring cut to the fewest library calls.

    A log record made and put straight on the log thread's queue (no
    logger, filter or handler; the thread writes its JSON line or sends its
    GELF datagram, as in ``logs`` and ``gelf``), a histogram observed and a
    counter incremented on series looked up once, a span started and ended
    (the sampler's decision, and for a traced request the batch and its
    export). Nothing else: one hook pair for all of them, no request id,
    no extra field but the duration, no gauge of requests in flight, no
    span attribute, no context for the calls the request makes. Less than
    a reader would keep, so what a floor variant costs is, within the runs'
    spread, the least that the full one can.
    """
    from flask import g, request
    from opentelemetry.trace import SpanKind

    from .. import prometheus_metrics, tracing
    from ..log_queue import LogQueue

    # Tracing(app) set up the provider and its exporter: its hooks go.
    for registry in (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    ):
        for functions in registry.values():
            functions[:] = [
                function
                for function in functions
                if getattr(function, "func", function).__module__ != tracing.__name__
            ]
    provider = app.extensions.get(tracing.KEY)
    tracer = provider.get_tracer(__name__) if provider else None
    queue = LogQueue.of(app).queue if variant in REQUEST_LOGS else None
    metered = variant in METRICS
    route = "/users/<int:user_id>/runs"

    def started() -> None:
        g.floor_started = time.perf_counter()

    def ended(response):
        duration = time.perf_counter() - g.floor_started
        if metered:
            prometheus_metrics._latency(route, "GET").observe(duration)
            prometheus_metrics._requests(route, "GET", response.status_code).inc()
        if tracer is not None:
            tracer.start_span(f"GET {route}", kind=SpanKind.SERVER).end()
        if queue is not None:
            record = logging.LogRecord(
                app.logger.name,
                logging.INFO,
                __file__,
                0,
                "%s %s %s",
                (request.method, request.path, response.status_code),
                None,
            )
            record.duration_ms = round(duration * 1e3, 3)
            queue.put(record)
        return response

    app.before_request(started)
    app.after_request(ended)


def add_runner(app) -> None:
    """The runner whose runs the request asks for: a user with :data:`RUNS`."""
    from chapter04.dataservice import db
    from chapter04.monolith.models import Run, User

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


def datetime_of(day: int) -> datetime:
    # The model keeps UTC times without a zone.
    return datetime(2026, 10, 1, 7) + timedelta(days=day)


def drain(app) -> None:
    """Wait for the work the requests left to threads: lines written, spans sent."""
    from ..log_queue import LogQueue
    from ..tracing import Tracing

    if app.extensions.get("log_queue") is not None:
        LogQueue.of(app).flush()
    Tracing.flush(app)


def serve(arguments) -> None:
    """A variant's process: on each line ``N`` of stdin, time N requests."""
    with tempfile.TemporaryDirectory(
        prefix=f"ch06-bench-{arguments.variant}-"
    ) as folder:
        app = build(arguments.variant, folder, arguments.gelf_port, arguments.otlp)
        client = app.test_client()
        for _ in range(arguments.warm_up):
            assert client.get(PATH).status_code == 200
        drain(app)
        print("ready", flush=True)
        for line in sys.stdin:
            count = int(line)
            latencies = []
            started, cpu, own = time.perf_counter(), time.process_time(), 0.0
            for _ in range(count):
                before, before_cpu = time.perf_counter(), time.thread_time()
                status = client.get(PATH).status_code
                latencies.append(time.perf_counter() - before)
                own += time.thread_time() - before_cpu
                if status != 200:
                    print(json.dumps({"error": f"status {status}"}), flush=True)
                    return
            drain(app)
            figures = {
                "elapsed": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "request_thread": own,
                "latencies": latencies,
            }
            print(json.dumps(figures), flush=True)


@dataclass
class Round:
    rate: float  # requests/s
    p50: float  # ms
    p99: float  # ms
    cpu: float  # µs of CPU a request, every thread of the process
    own: float  # µs of it on the request's thread


@dataclass
class Variant:
    """A variant's process, driven through its stdin and stdout."""

    name: str
    process: subprocess.Popen | None = None
    rounds: list[Round] = field(default_factory=list)

    def start(self, gelf_port: int, otlp_url: str, warm_up: int) -> "Variant":
        command = [sys.executable, "-m", "chapter06.machinery.benchmark"]
        command += ["--serve", self.name, "--warm-up", str(warm_up)]
        command += ["--gelf-port", str(gelf_port), "--otlp", otlp_url]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        return self

    def wait_until_ready(self) -> None:
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{self.name}: the service did not start")

    def run(self, count: int) -> None:
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or '{"error": "died"}')
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        self.rounds.append(round_of(count, answer))

    def figures(self, name: str) -> list[float]:
        return [getattr(round_, name) for round_ in self.rounds]

    def median(self, name: str) -> float:
        return kit.median(self.figures(name))

    def stop(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


def round_of(count: int, answer: dict) -> Round:
    latencies = answer["latencies"]
    return Round(
        rate=count / answer["elapsed"],
        p50=kit.percentile(latencies, 0.50) * 1e3,
        p99=kit.percentile(latencies, 0.99) * 1e3,
        cpu=answer["cpu"] / count * 1e6,
        own=answer["request_thread"] / count * 1e6,
    )


def costs(variants: list[Variant]) -> dict[str, float]:
    """Each variant's CPU time a request against the first's, as 0.12 for 12%.

    Compared round by round (a round's requests of both ran seconds apart,
    on the same machine's mood), then the median of those ratios.
    """
    return {
        variant.name: kit.median(ratios(variant, variants[0])) - 1
        for variant in variants
    }


def ratios(variant: Variant, base: Variant) -> list[float]:
    return [
        mine.cpu / theirs.cpu
        for mine, theirs in zip(variant.rounds, base.rounds, strict=True)
    ]


def table(variants: list[Variant]) -> str:
    """Medians over the rounds; ± is how far the rounds' ratios spread."""
    cost = costs(variants)
    base = variants[0]
    header = ("variant", "requests/s", "p50 ms", "p99 ms", "CPU µs", "request's")
    rows = [
        (
            variant.name,
            f"{variant.median('rate'):.0f}",
            f"{variant.median('p50'):.2f}",
            f"{variant.median('p99'):.2f}",
            f"{variant.median('cpu'):.0f}",
            f"{variant.median('own'):.0f}",
            *(
                ("", kit.spread(variant.figures("cpu")))
                if variant is base
                else (f"{cost[variant.name]:.0%}", kit.spread(ratios(variant, base)))
            ),
        )
        for variant in variants
    ]
    return kit.table((*header, "cost", "±"), rows)


def verdicts(cost: dict[str, float]) -> list[str]:
    """One line per target of :data:`TARGETS`: met or MISSED, and by what.

    A missed target names its floor too, where the run measured one: what
    the same kinds cost with nothing but their libraries' calls.
    """
    lines = []
    for what, names, limit in TARGETS:
        measured = [name for name in names if name in cost]
        if not measured:
            continue
        worst = max(measured, key=cost.get)
        verdict = "met" if cost[worst] <= limit else "MISSED"
        figure = (
            f"{worst} {cost[worst]:.0%}" if len(measured) > 1 else f"{cost[worst]:.0%}"
        )
        if verdict == "MISSED" and FLOOR + worst in cost:
            figure += f"; its floor {cost[FLOOR + worst]:.0%}"
        lines.append(f"target: {what} at most {limit:.0%}: {verdict} ({figure})")
    return lines


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


def hooks(variant: str, requests: int) -> str:
    """What each of ``variant``'s Flask hooks costs a request, inside it.

    A profiler makes every call dearer; a loop that calls one hook alone
    keeps its code in the processor's caches, which a real request, with
    Flask's and SQLAlchemy's code run in between, does not. Here each hook
    is timed where it runs, by its thread's CPU time (two clock reads a
    hook, about 0.5 µs, are in each figure), in a process of its own. What
    the hooks do not hold (Flask calling them, the garbage collector's
    extra rounds, caches the monitoring's code took from the request's) is
    the main table's ``request's`` column against ``none``'s, less this sum.
    """
    gelf, otlp = receivers()
    command = [sys.executable, "-m", "chapter06.machinery.benchmark"]
    command += ["--serve-hooks", variant, "--requests", str(requests)]
    command += ["--gelf-port", str(gelf.udp_port)]
    command += ["--otlp", f"http://127.0.0.1:{otlp.server_port}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        gelf.stop()
        otlp.shutdown()
        otlp.server_close()
    figures = json.loads(done.stdout)
    spent = figures["hooks"]
    rows = [(name, f"{seconds * 1e6:.1f}") for name, seconds in spent.items()]
    rows += [
        ("the hooks, together", f"{sum(spent.values()) * 1e6:.1f}"),
        ("other threads (log lines, spans)", f"{figures['other'] * 1e6:.1f}"),
    ]
    return kit.table(("where", "CPU µs/request"), rows)


def serve_hooks(arguments) -> None:
    """``--hooks``' process: the variant's requests, hook by hook."""
    with tempfile.TemporaryDirectory(prefix="ch06-hooks-") as folder:
        app = build(arguments.serve_hooks, folder, arguments.gelf_port, arguments.otlp)
        spent = time_hooks(app)
        other = timed_requests(app, arguments.requests, spent)
    hooks = {name: seconds / arguments.requests for name, seconds in spent.items()}
    print(json.dumps({"hooks": hooks, "other": other}))


def time_hooks(app) -> dict[str, float]:
    """Wrap each of the app's before, after and teardown functions in a clock."""
    spent: dict[str, float] = {}
    for when, registry in (
        ("before", app.before_request_funcs),
        ("after", app.after_request_funcs),
        ("teardown", app.teardown_request_funcs),
    ):
        for functions in registry.values():
            for index, function in enumerate(functions):
                name = f"{when} {hook_name(function)}"
                spent.setdefault(name, 0.0)
                functions[index] = clocked(function, name, spent)
    return spent


def hook_name(function) -> str:
    function = getattr(function, "func", function)  # a functools.partial
    # A floor's hooks are this module's, run as __main__.
    module = function.__module__.replace("__main__", "machinery.benchmark")
    return f"{module.removeprefix('chapter06.')}.{function.__qualname__}"


def clocked(function, name: str, spent: dict[str, float]):
    def run(*arguments):
        started = time.thread_time()
        try:
            return function(*arguments)
        finally:
            spent[name] += time.thread_time() - started

    return run


def timed_requests(app, requests: int, spent: dict[str, float]) -> float:
    """Serve ``requests``; the CPU seconds a request took on other threads."""
    client = app.test_client()
    for _ in range(200):
        client.get(PATH)
    drain(app)
    for name in spent:
        spent[name] = 0.0  # the warm-up's do not count
    started, cpu = time.thread_time(), time.process_time()
    for _ in range(requests):
        client.get(PATH)
    own = time.thread_time() - started
    drain(app)
    return (time.process_time() - cpu - own) / requests


def profile(variant: str, requests: int, top: int) -> str:
    """The monitoring's functions that take most of a request's time.

    cProfile on the request's thread, timed by that thread's CPU time (a
    log or export thread's work is not in it: the table's CPU column has
    it), sorted by the time spent in the function and what it calls, per
    request; the profiler's own cost makes every call look dearer than it
    is.
    """
    gelf, otlp = receivers()
    try:
        with tempfile.TemporaryDirectory(prefix=f"ch06-profile-{variant}-") as folder:
            app = build(
                variant, folder, gelf.udp_port, f"http://127.0.0.1:{otlp.server_port}"
            )
            client = app.test_client()
            for _ in range(200):
                client.get(PATH)
            drain(app)
            # The thread's CPU time, not the clock's: time spent waiting for
            # the interpreter while another thread runs is not the function's.
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            for _ in range(requests):
                client.get(PATH)
            profiler.disable()
            drain(app)
    finally:
        gelf.stop()
        otlp.shutdown()
        otlp.server_close()
    return profile_table(pstats.Stats(profiler).stats, requests, top)


def profile_table(stats: dict, requests: int, top: int) -> str:
    """The top ``top`` monitoring functions of a cProfile ``stats`` dict."""
    rows = []
    for (path, line, name), (_, calls, own, total, _) in stats.items():
        if not any(f"/{part}/" in path or f"/{part}." in path for part in MONITORING):
            continue
        rows.append((total, own, calls, f"{short(path)}:{line}({name})"))
    rows.sort(reverse=True)
    return kit.table(
        ("function", "µs/request", "own µs", "calls"),
        [
            (
                where,
                f"{total / requests * 1e6:.1f}",
                f"{own / requests * 1e6:.1f}",
                f"{calls / requests:g}",
            )
            for total, own, calls, where in rows[:top]
        ],
    )


def short(path: str) -> str:
    """A module's path from its package: ``logging/__init__.py``."""
    path = re.sub(r"^.*/site-packages/", "", path)
    path = re.sub(r"^.*/python3\.\d+/", "", path)
    path = path.removesuffix("/__init__.py")  # a package's own code
    return path.removeprefix(f"{ROOT}/")


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=800, help="per round")
    parser.add_argument("--warm-up", type=int, default=300, help="requests, uncounted")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help="which, comma-separated"
    )
    parser.add_argument(
        "--profile", choices=VARIANTS, help="profile one variant instead"
    )
    parser.add_argument("--top", type=int, default=12, help="functions profiled")
    parser.add_argument(
        "--hooks", choices=VARIANTS[1:], help="time one variant's hooks instead"
    )
    parser.add_argument(
        "--serve", choices=VARIANTS, dest="variant", help=argparse.SUPPRESS
    )
    parser.add_argument("--serve-hooks", choices=VARIANTS[1:], help=SUPPRESS)
    parser.add_argument("--gelf-port", type=int, help=SUPPRESS)
    parser.add_argument("--otlp", help=SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = argument_parser().parse_args(argv)
    if arguments.variant:
        serve(arguments)
        return 0
    if arguments.serve_hooks:
        serve_hooks(arguments)
        return 0
    smoke = os.environ.get("SMOKE_TEST") == "1"
    if smoke:
        arguments.rounds, arguments.requests, arguments.warm_up = 2, 20, 5
    if arguments.hooks:
        requests = 50 if smoke else 4 * arguments.requests
        print(f"# {arguments.hooks}: inside the request, {requests} requests")
        print(hooks(arguments.hooks, requests))
        return 0
    if arguments.profile:
        requests = 50 if smoke else arguments.requests
        print(f"# {arguments.profile}: cProfile, {requests} requests")
        print(profile(arguments.profile, requests, arguments.top))
        return 0
    compare(arguments)
    return 0


def compare(arguments) -> None:
    """The whole benchmark: every variant, interleaved; the table, the targets."""
    names = arguments.variants.split(",")
    gelf, otlp = receivers()
    otlp_url = f"http://127.0.0.1:{otlp.server_port}"
    variants = [Variant(name) for name in names]
    try:
        # All start at once: their imports and warm-ups overlap.
        for variant in variants:
            variant.start(gelf.udp_port, otlp_url, arguments.warm_up)
        for variant in variants:
            variant.wait_until_ready()
        print(
            f"# {kit.machine()}\n# GET {PATH}, Flask's test client; "
            f"{arguments.rounds} rounds of {arguments.requests} requests a variant, "
            "interleaved; medians",
            flush=True,
        )
        by_name = {variant.name: variant for variant in variants}
        for _, name in kit.interleaved(names, arguments.rounds):
            by_name[name].run(arguments.requests)
    finally:
        for variant in variants:
            variant.stop()
        gelf.stop()
        otlp.shutdown()
        otlp.server_close()
    print(table(variants))
    print("\n".join(verdicts(costs(variants))))
    print(f"# the GELF receiver got {sum(gelf.counts.values())} messages meanwhile")


if __name__ == "__main__":
    sys.exit(main())
