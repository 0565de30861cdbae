"""*ours:* the benchmark of chapter 7's "Web application firewall".

What each way of putting nginx in front of a service costs, in one run on
this machine: requests per second through plain nginx, our Lua WAF, nginx's
own limits and ModSecurity with the OWASP Core Rule Set (at paranoia level
2, as Runnerly runs it, at level 1, and at level 2 without the rules for
software Runnerly does not run), then refusals per second of three rate
limiters at the same limit: the Lua module, nginx's ``limit_req``, and
Flask-Limiter in the data service. The data service alone is a line of its
own, for scale.

    python -m chapter07.machinery.benchmark [--rounds 7] [--slice 1.0]
    SMOKE_TEST=1 python -m chapter07.machinery.benchmark   # a short run

Behind nginx is a stand-in that answers ``[]`` at once (nginx itself), so
the figures are the set-up's, not Flask's. The client pipelines requests on
a few keep-alive connections, so that Python, on the client side, is not
what is measured. Every set-up gets a slice of load in every round, each
round starting one set-up further on (the kit's ``interleaved``); a figure
is the median of the rounds, with their spread, and a ratio is taken within
each round, between slices measured seconds apart. Beside requests per
second, the CPU time of the process measured (the nginx in front, or the
Python service) per answer: the set-up's own cost, which the rest of the
machine's work disturbs far less than a rate.

    >>> statuses(b"HTTP/1.1 200 OK\\r\\n\\r\\n[]HTTP/1.1 429 Too Many\\r\\n\\r\\n")
    Counter({200: 1, 429: 1})
    >>> Slice(Counter({200: 30, 429: 10}), 2.0, 0.004).per_second(429)
    5.0
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chapter01.machinery.kit import (
    free_port,
    interleaved,
    machine,
    median,
    process_cpu_seconds,
    spread,
    table,
)

from ..waf_nginx import NGINX_CONF, NOT_SET_UP, OTHER_SOFTWARE, Limits, nginx_conf

ROOT = Path(__file__).resolve().parents[2]
REQUEST = (
    b"GET /users HTTP/1.1\r\n"
    # A name, not an IP: CRS rule 920350 flags an IP as Host.
    b"Host: localhost\r\n"
    b"User-Agent: runnerly-benchmark/1.0\r\n"
    b"Accept: application/json\r\n\r\n"
)
MARK = b"HTTP/1.1 "
STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")

# High enough never to refuse: what the WAF costs when it lets all through.
OPEN = Limits(per_minute=10**9, burst=10**6, concurrency=1000)
# One a minute and no burst: a flood is refused, all but its first request.
CLOSED = Limits(per_minute=1, burst=0, concurrency=1000)

ROUNDS, SLICE = 7, 1.0
SMOKE_ROUNDS, SMOKE_SLICE = 1, 0.3
# Not counted: the first requests pay for what a process does once.
WARM_UP = 0.3
TARGET_COST, TARGET_RATIO = 0.10, 5.0

STAND_IN = """\
location / {
    default_type application/json;
    return 200 '[]';
}"""


def statuses(data: bytes) -> Counter:
    """The status codes of the responses in ``data``."""
    return Counter(int(code) for code in STATUS.findall(data))


def pipeline(port: int, depth: int, deadline: float, answers: Counter) -> None:
    """Send ``depth`` requests at a time on one connection, until ``deadline``;
    a new connection when the server closes one (nginx does, after
    ``keepalive_requests``, 1000)."""
    batch = REQUEST * depth
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            while time.monotonic() < deadline:
                data, complete = exchange(sock, batch, depth)
                answers.update(statuses(data))
                if not complete:
                    break


def exchange(sock: socket.socket, batch: bytes, depth: int) -> tuple[bytes, bool]:
    """Send a batch, read its answers: (what came, whether all ``depth`` did)."""
    chunks, seen, tail = [], 0, b""
    try:
        sock.sendall(batch)
        while seen < depth:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            # A mark may straddle two chunks: count it with the tail.
            seen += (tail + chunk).count(MARK)
            tail = chunk[-(len(MARK) - 1) :]
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed by the server: the answers so far count
    data = b"".join(chunks)
    # Werkzeug's server closes each connection after one answer.
    return data, seen >= depth and b"\r\nConnection: close\r\n" not in data


def load(port: int, seconds: float, connections: int = 4, depth: int = 16):
    """Requests for ``seconds`` on ``connections`` connections: the statuses
    and the time it took."""
    counters = [Counter() for _ in range(connections)]
    errors = []

    def client(answers: Counter) -> None:
        try:
            pipeline(port, depth, start + seconds, answers)
        except OSError as error:
            errors.append(error)

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(c,)) for c in counters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(counters, Counter()), time.monotonic() - start


@dataclass
class Server:
    """A process serving on ``port``: its ``pid`` is the one whose CPU time
    counts (nginx runs as one process here, ``master_process off``)."""

    port: int
    pid: int
    # Requests sent at once on a connection: nginx answers them in turn;
    # Python (Werkzeug's server) answers one and closes the connection.
    depth: int = 16


@dataclass
class Slice:
    """One slice of load: the answers by status, how long, the CPU seconds
    the server spent (None where /proc is not there to tell)."""

    answers: Counter
    seconds: float
    cpu: float | None

    def per_second(self, status: int) -> float:
        return self.answers[status] / self.seconds

    def refused_per_second(self) -> float:
        refused = sum(n for status, n in self.answers.items() if status != 200)
        return refused / self.seconds

    def cpu_us(self) -> float:
        """The server's CPU microseconds per answer (NaN if unknown)."""
        total = sum(self.answers.values())
        if self.cpu is None or not total:
            return float("nan")
        return self.cpu / total * 1e6


@dataclass
class Result:
    name: str
    slices: list[Slice] = field(default_factory=list)  # one a round, in order

    def passed(self) -> list[float]:
        return [s.per_second(200) for s in self.slices]

    def refused(self) -> list[float]:
        return [s.refused_per_second() for s in self.slices]

    def cpu_us(self) -> list[float]:
        return [s.cpu_us() for s in self.slices]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing on port {port} after {timeout}s")


@contextmanager
def running(command: list[str], port: int, env: dict | None = None, depth=16):
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PORT": str(port), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: stopped with its children
    )
    try:
        wait_for_port(port, process)
        yield Server(port, process.pid, depth)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@contextmanager
def nginx(setup: str, upstream: str, limits: Limits, **options):
    """nginx set up by :func:`.waf_nginx.nginx_conf` (or the stand-in)."""
    binary = shutil.which("nginx", path=os.environ["PATH"] + ":/usr/sbin:/sbin")
    if binary is None:
        sys.exit("nginx not found: sudo apt-get install nginx")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="waf-benchmark-") as workdir:
        if setup == "stand-in":
            conf = NGINX_CONF.format(
                workdir=workdir, modules="", http="", server=STAND_IN, port=port
            )
        else:
            conf = nginx_conf(setup, upstream, port, workdir, limits, **options)
        path = Path(workdir) / "nginx.conf"
        path.write_text(conf)
        with running([binary, "-p", workdir, "-c", str(path)], port) as server:
            yield server


def python_service(module: str, env: dict | None = None):
    return running([sys.executable, "-m", module], free_port(), env, depth=1)


LEVEL_2 = "ModSecurity, level 2"
LEVEL_1 = "ModSecurity, level 1"
TRIMMED = "ModSecurity, trimmed"


def servers(stack: ExitStack) -> dict[str, Server]:
    """Every set-up, started at once, by name, in the table's order."""
    limit = {"FLASK_RATELIMIT_DEFAULT": f"{CLOSED.per_minute} per minute"}
    stand_in = stack.enter_context(nginx("stand-in", "", OPEN))
    upstream = f"http://127.0.0.1:{stand_in.port}"

    def start(setup, limits=OPEN, **options):
        return stack.enter_context(nginx(setup, upstream, limits, **options))

    return {
        "stand-in, direct": stand_in,
        "plain nginx": start("plain"),
        "Lua WAF": start("lua"),
        "nginx limits": start("limits"),
        LEVEL_2: start("modsecurity"),
        LEVEL_1: start("modsecurity", paranoia=1),
        TRIMMED: start("modsecurity", without=OTHER_SOFTWARE + NOT_SET_UP),
        "Lua limiter": start("lua", CLOSED),
        "nginx limit_req": start("limits", CLOSED),
        "data service alone": stack.enter_context(
            python_service("chapter04.dataservice")
        ),
        "Flask-Limiter": stack.enter_context(
            python_service("chapter07.waf_flask_limiter", limit)
        ),
    }


def measure(server: Server, seconds: float) -> Slice:
    before = process_cpu_seconds(server.pid)
    answers, took = load(server.port, seconds, depth=server.depth)
    after = process_cpu_seconds(server.pid)
    cpu = None if before is None or after is None else after - before
    return Slice(answers, took, cpu)


def run(seconds: float, rounds: int) -> list[Result]:
    """Every set-up at once, each measured once a round, in rotating order."""
    with ExitStack() as stack:
        by_name = servers(stack)
        for server in by_name.values():
            load(server.port, min(seconds, WARM_UP), depth=server.depth)
        results = {name: Result(name) for name in by_name}
        for done, (number, name) in enumerate(interleaved(list(by_name), rounds), 1):
            results[name].slices.append(measure(by_name[name], seconds))
            if done % len(by_name) == 0:
                print(f"round {number + 1}/{rounds} done", flush=True)
    return list(results.values())


HEADER = ("set-up", "passed/s", "refused/s", "spread", "CPU µs/answer", "spread")


def rows(results: list[Result]) -> list[tuple[str, ...]]:
    """The table's rows: medians over the rounds, and the spread of the one
    that matters (passed, or refused for a limiter that refuses).

    >>> r = Result("x", [Slice(Counter({200: 90}), 1.0, 0.0009),
    ...                  Slice(Counter({200: 110}), 1.0, 0.0011)])
    >>> rows([r])
    [('x', '100', '0', '±10%', '10.0', '±0%')]
    """
    lines = []
    for result in results:
        passed, refused = median(result.passed()), median(result.refused())
        rates = result.passed() if passed >= refused else result.refused()
        cpu = median(result.cpu_us())
        lines.append(
            (
                result.name,
                f"{passed:,.0f}",
                f"{refused:,.0f}",
                spread(rates),
                "n/a" if cpu != cpu else f"{cpu:,.1f}",
                spread(result.cpu_us()),
            )
        )
    return lines


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def targets(results: list[Result]) -> list[str]:
    """The targets, each with whether this run met it.

    >>> def r(name, *slices):
    ...     return Result(name, [Slice(Counter(s), 1.0, None) for s in slices])
    >>> runs = [r("plain nginx", {200: 100}, {200: 90}),
    ...         r("Lua WAF", {200: 95}, {200: 80}),
    ...         r("Lua limiter", {429: 600}, {429: 600}),
    ...         r("nginx limit_req", {429: 400}, {429: 400}),
    ...         r("Flask-Limiter", {429: 100}, {429: 100})]
    >>> print("\\n".join(targets(runs)))
    Lua WAF costs 8.1% of plain nginx's requests/s (±3%; target: at most 10%): met
    Lua limiter refuses 6.0x as fast as Flask-Limiter (target: at least 5x): met
    nginx limit_req refuses 4.0x as fast as Flask-Limiter (target: at least 5x): MISSED
    """
    by_name = {result.name: result for result in results}
    # Round by round: the two slices of a round were measured seconds apart.
    costs = [
        1 - waf / plain
        for waf, plain in zip(
            by_name["Lua WAF"].passed(), by_name["plain nginx"].passed(), strict=True
        )
        if plain
    ]
    cost = median(costs)
    lines = [
        f"Lua WAF costs {cost:.1%} of plain nginx's requests/s "
        f"({spread([1 - c for c in costs])}; target: at most {TARGET_COST:.0%}): "
        f"{verdict(cost <= TARGET_COST)}"
    ]
    python = median(by_name["Flask-Limiter"].refused())
    for name in ("Lua limiter", "nginx limit_req"):
        ratio = median(by_name[name].refused()) / python
        lines.append(
            f"{name} refuses {ratio:.1f}x as fast as Flask-Limiter "
            f"(target: at least {TARGET_RATIO:g}x): {verdict(ratio >= TARGET_RATIO)}"
        )
    return lines


def costs(results: list[Result]) -> Iterator[str]:
    """What each set-up adds to plain nginx's CPU time per request, beside
    what a request costs the data service itself.

    >>> def r(name, cpu):
    ...     return Result(name, [Slice(Counter({200: 1000}), 1.0, cpu)])
    >>> runs = [r("plain nginx", 0.02), r("Lua WAF", 0.022), r(LEVEL_2, 0.52),
    ...         r("data service alone", 1.2)]
    >>> print("\\n".join(costs(runs)))
    Lua WAF: +2.0 µs of nginx CPU a request, over plain nginx's 20.0 µs (+10%)
    ModSecurity, level 2: +0.50 ms of CPU a request; the data service's own: 1.20 ms
    """
    by_name = {result.name: median(result.cpu_us()) for result in results}
    plain = by_name["plain nginx"]
    if plain != plain:
        return
    for name in ("Lua WAF", "nginx limits"):
        if name in by_name:
            extra = by_name[name] - plain
            yield (
                f"{name}: {extra:+.1f} µs of nginx CPU a request, over plain "
                f"nginx's {plain:.1f} µs ({extra / plain:+.0%})"
            )
    service = by_name["data service alone"] / 1000
    for name in (LEVEL_2, LEVEL_1, TRIMMED):
        if name in by_name:
            extra = (by_name[name] - plain) / 1000
            yield (
                f"{name}: {extra:+.2f} ms of CPU a request; "
                f"the data service's own: {service:.2f} ms"
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chapter07.machinery.benchmark",
        description="What nginx, the Lua WAF, nginx's limits and ModSecurity cost.",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--slice", type=float, default=SLICE, help="seconds of load a set-up a round"
    )
    args = parser.parse_args(argv)
    if os.environ.get("SMOKE_TEST") == "1":
        args.rounds, args.slice = SMOKE_ROUNDS, SMOKE_SLICE
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"# {machine()}, the client's included")
    print(f"# {args.rounds} rounds of {args.slice:g} s a set-up; medians", flush=True)
    results = run(args.slice, args.rounds)
    print(table(HEADER, rows(results)))
    print("\n".join(costs(results)))
    print("\n".join(targets(results)))


if __name__ == "__main__":
    main()
