"""Book: chapter 1, 'Language performances' (and chapter 12, on asyncio).

Load-test the five servers of this chapter with one and the same client and
print a table: requests per second, median and 99th percentile latency,
errors.

Each server runs alone, as a subprocess on a free port, while a client with a
fixed number of concurrent keep-alive connections (asyncio and aiohttp's
client, so the client itself is one cheap thread) sends ``GET /api`` for a
fixed time. The client shares the machine with the server: the numbers
compare the five models on one box, they do not measure a production setup.

Run: ``python -m chapter01.benchmark [--duration 5] [--concurrency 10]``;
``SMOKE_TEST=1`` makes it a run of about a second per server.
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from testkit.servers import ServerProcess, python_command

IMPLEMENTATIONS = ("wsgi", "gevent", "twisted", "tornado", "aiohttp")
SMOKE_DURATION = 0.3
HEADER = ("implementation", "requests/s", "p50 ms", "p99 ms", "errors")


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # of successes, in s
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def row(self) -> tuple[str, ...]:
        p50 = percentile(self.latencies, 0.50) * 1000
        p99 = percentile(self.latencies, 0.99) * 1000
        return (
            self.name,
            f"{self.rate:.0f}",
            f"{p50:.2f}",
            f"{p99:.2f}",
            str(self.errors),
        )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the value that ``fraction`` of them reach."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


async def load(name: str, url: str, duration: float, concurrency: int) -> Result:
    """``concurrency`` clients, each sending one request after the other."""
    result = Result(name)
    loop = asyncio.get_running_loop()
    # One pooled connection per client: keep-alive wherever the server allows.
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
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
                except (aiohttp.ClientError, ValueError, KeyError):
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


def benchmark(name: str, duration: float, concurrency: int) -> Result:
    """Start one server, load it, stop it."""
    command = python_command("-m", f"chapter01.{name}_service")
    with ServerProcess(command) as server:
        return asyncio.run(load(name, f"{server.url}/api", duration, concurrency))


def table(rows: list[tuple[str, ...]]) -> str:
    lines = [HEADER, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]

    def render(line):
        first = line[0].ljust(widths[0])
        rest = (
            cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)
        )
        return "  ".join([first, *rest])

    return "\n".join(render(line) for line in lines)


def machine() -> str:
    """What the numbers were measured on: they mean nothing without it."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    today = datetime.now(UTC).date().isoformat()
    return f"{cpus} CPUs, {model}, Python {platform.python_version()}, {today}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chapter01.benchmark",
        description="Load-test the five servers of chapter 1 and print a table.",
    )
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds of load per server"
    )
    parser.add_argument(
        "--concurrency", type=int, default=10, help="clients sending at once"
    )
    args = parser.parse_args(argv)
    if os.environ.get("SMOKE_TEST"):
        args.duration = min(args.duration, SMOKE_DURATION)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"# {machine()}; {args.concurrency} clients, {args.duration:g} s per server",
        flush=True,
    )
    results = [
        benchmark(name, args.duration, args.concurrency) for name in IMPLEMENTATIONS
    ]
    print(table([result.row() for result in results]), flush=True)
    # A non-zero exit when any request failed: the suite relies on it.
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
