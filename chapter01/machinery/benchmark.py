"""Book: chapter 1, 'Language performances'; 12, 'Asynchronous versus synchronous'.

Load-test the six servers of this chapter with one and the same client and
print a table: requests per second, median and 99th percentile latency, the
server's CPU time per request, errors.

All six servers start at once, each as ``python -m chapter01.<name>_service``
on a free port. Then come several short rounds; in each, every server in turn
gets a slice of load from a fixed number of concurrent keep-alive clients
(asyncio and aiohttp's client, so the client itself is one cheap thread).
The table gives the median over the rounds: a burst of work elsewhere on the
machine spoils a slice or two, not the figure of one server.

Requests per second and latencies depend on everything else the machine
does, the client included. The CPU time the server process spent per request
(user + system, read from ``/proc`` on Linux) depends far less on it: it is
the cost of each server's HTTP machinery, the figure to compare.

Run: ``python -m chapter01.machinery.benchmark [--rounds 8] [--slice 1.5]
[--concurrency 10] [--svg chart.svg]``; ``SMOKE_TEST=1`` makes a run of a
few seconds. ``--svg`` also draws the table as bar charts, in an SVG file
(``benchmark.svg`` beside this file is the README's table, drawn).
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from . import kit
from .kit import (
    free_port,
    machine,
    median,
    percentile,
    process_cpu_seconds,
)

IMPLEMENTATIONS = ("wsgi", "gevent", "twisted", "tornado", "aiohttp", "sanic")
HEADER = ("implementation", "requests/s", "p50 ms", "p99 ms", "CPU µs/req", "errors")
ROUNDS, SLICE, CONCURRENCY = 8, 1.5, 10
SMOKE_ROUNDS, SMOKE_SLICE = 2, 0.2
# Before the rounds, a short load that is not counted: the first requests
# pay for what servers do once (imports on first use, compiling routes).
WARM_UP = 0.3
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 5.0
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Slice:
    """One server under load for one slice of one round."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # of successes, in s
    errors: int = 0
    cpu_seconds: float | None = None  # the server's, None where unknown

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        if self.cpu_seconds is None or not self.latencies:
            return float("nan")
        return self.cpu_seconds / len(self.latencies)


@dataclass
class Result:
    """Every slice of one server; the table shows medians over them."""

    name: str
    slices: list[Slice] = field(default_factory=list)
    errors: int = 0  # of every request sent, warm-up included

    def row(self) -> tuple[str, ...]:
        def over_slices(figure) -> float:
            return median([figure(one) for one in self.slices])

        rate = over_slices(lambda one: one.rate)
        p50 = over_slices(lambda one: percentile(one.latencies, 0.50)) * 1e3
        p99 = over_slices(lambda one: percentile(one.latencies, 0.99)) * 1e3
        cpu = over_slices(lambda one: one.cpu_per_request) * 1e6
        return (
            self.name,
            f"{rate:.0f}",
            f"{p50:.2f}",
            f"{p99:.2f}",
            "n/a" if cpu != cpu else f"{cpu:.0f}",  # NaN: CPU time unknown
            str(self.errors),
        )


class Server:
    """One implementation, run as a reader runs it, on a port of its own."""

    def __init__(self, name: str):
        self.name = name
        self.port = free_port()
        self.command = [sys.executable, "-m", f"chapter01.{name}_service"]
        self.process: subprocess.Popen | None = None
        # A file, not a pipe: nobody reads it until the end, and a full pipe
        # would block the server.
        self.log = tempfile.TemporaryFile("w+")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def launch(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, "PORT": str(self.port)},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_listening(self, deadline: float) -> None:
        """Return once the port accepts connections; fail if the server dies."""
        while True:
            if self.process.poll() is not None:
                raise ServerError(self, f"exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerError(self, "never opened its port") from None
                time.sleep(0.05)

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.process.pid)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class ServerError(Exception):
    def __init__(self, server: Server, problem: str):
        super().__init__(
            f"{' '.join(server.command)} {problem}:\n{server.output().strip()}"
        )


def start_all(names: tuple[str, ...]) -> list[Server]:
    """Start every server at once (their imports overlap), then wait for each."""
    servers = [Server(name) for name in names]
    try:
        for server in servers:
            server.launch()
        deadline = time.monotonic() + START_TIMEOUT
        for server in servers:
            server.wait_until_listening(deadline)
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: list[Server]) -> None:
    for server in servers:
        server.stop()


async def load(name: str, url: str, duration: float, concurrency: int) -> Slice:
    """``concurrency`` clients, each sending one request after the other."""
    result = Slice()
    loop = asyncio.get_running_loop()
    # One pooled connection per client: keep-alive wherever the server allows.
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = loop.time() + duration

        async def client() -> None:
            while loop.time() < deadline:
                started = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        body = await response.read()
                    # An answer from another server, or a broken one, counts
                    # as an error: the table must compare what it says.
                    ok = response.status == 200 and json.loads(body)["server"] == name
                except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


async def measure(server: Server, duration: float, concurrency: int) -> Slice:
    """One slice of load, and the CPU time the server spent on it."""
    before = server.cpu_seconds()
    result = await load(server.name, server.url, duration, concurrency)
    after = server.cpu_seconds()
    if before is not None and after is not None:
        result.cpu_seconds = after - before
    return result


async def run_rounds(
    servers: list[Server], rounds: int, duration: float, concurrency: int
) -> list[Result]:
    """Round-robin: each round loads every server once, for ``duration``."""
    results = {server.name: Result(server.name) for server in servers}
    for server in servers:
        warm_up = await load(server.name, server.url, WARM_UP, concurrency)
        results[server.name].errors += warm_up.errors
    by_name = {server.name: server for server in servers}
    # Each round starts one server further on: no server is always the one
    # right after (or before) another's load.
    for done, (number, name) in enumerate(kit.interleaved(list(by_name), rounds), 1):
        result = await measure(by_name[name], duration, concurrency)
        results[name].slices.append(result)
        results[name].errors += result.errors
        if done % len(servers) == 0:
            print(f"round {number + 1}/{rounds} done", file=sys.stderr, flush=True)
    return [results[server.name] for server in servers]


def table(rows: list[tuple[str, ...]]) -> str:
    """Left-aligned names, right-aligned figures.

    >>> print(table([("wsgi", "1", "2.00", "3.00", "45", "0")]))
    implementation  requests/s  p50 ms  p99 ms  CPU µs/req  errors
    wsgi                     1    2.00    3.00          45       0
    """
    return kit.table(HEADER, rows)


# What the chart draws: (heading, column of the table, which way is better).
CHARTS = (
    ("requests per second", 1, "more is better"),
    ("median latency, ms", 2, "less is better"),
    ("server CPU time per request, µs", 4, "less is better"),
)


def chart(rows: list[tuple[str, ...]], notes: list[str]) -> str:
    """The table's rows as horizontal bar charts, one per figure, in SVG."""
    sections = [
        (heading, better, [(row[0], row[column]) for row in rows])
        for heading, column, better in CHARTS
    ]
    return kit.chart(sections, notes)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chapter01.machinery.benchmark",
        description="Load-test the six servers of chapter 1 and print a table.",
    )
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help="rounds over all the servers"
    )
    parser.add_argument(
        "--slice",
        type=float,
        default=SLICE,
        help="seconds of load per server per round",
    )
    parser.add_argument(
        "--concurrency", type=int, default=CONCURRENCY, help="clients sending at once"
    )
    parser.add_argument(
        "--svg", type=Path, help="also draw the table as bar charts in this SVG file"
    )
    args = parser.parse_args(argv)
    if os.environ.get("SMOKE_TEST"):
        args.rounds = min(args.rounds, SMOKE_ROUNDS)
        args.slice = min(args.slice, SMOKE_SLICE)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    notes = [
        machine(),
        f"{args.concurrency} clients; {args.rounds} rounds of "
        f"{args.slice:g} s per server; medians over the rounds",
    ]
    for note in notes:
        print(f"# {note}", flush=True)
    if process_cpu_seconds(os.getpid()) is None:
        print("# CPU time per request needs Linux's /proc: shown as n/a", flush=True)
    try:
        servers = start_all(IMPLEMENTATIONS)
    except ServerError as error:
        print(error, file=sys.stderr)
        return 1
    try:
        results = asyncio.run(
            run_rounds(servers, args.rounds, args.slice, args.concurrency)
        )
    finally:
        stop_all(servers)
    rows = [result.row() for result in results]
    print(table(rows), flush=True)
    if args.svg:
        args.svg.write_text(chart(rows, notes), encoding="utf-8")
        print(f"chart: {args.svg}", file=sys.stderr)
    # A non-zero exit when any request failed: a table of errors is no result.
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
