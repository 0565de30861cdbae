"""Book: chapter 9, "Process management": how long ``make run`` takes.

Times ``python -m chapter09`` (what ``make run`` runs) from the command to
"Runnerly is up", as a reader waits for it: the first start, which builds
each service's wheel and environment, then a second one, which reuses them
(:class:`chapter09.machinery.stack.Environments`). Each with uv on the PATH (an
activated virtual environment) and without (a reader's new machine): the
stack calls the uv of the environment it runs in, never the PATH's, so both
give the same figures. The rounds interleave the ways (with uv, without); the
table gives the median of each kind of start and its spread, with chapter 1's
benchmark kit (:mod:`chapter01.machinery.kit`).

Run: ``python -m chapter09.machinery.benchmark [--rounds 3]``; ``SMOKE_TEST=1``
makes one round without uv on the PATH, in about 15 s.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chapter01.machinery.kit import interleaved, machine, median, spread, table

from .stack import free_base

# The targets on a 2-core machine, in seconds.
TARGETS = {"first": 30.0, "second": 10.0}


def path_without_uv() -> str:
    """The PATH less every folder that holds a ``uv``."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if not (Path(f) / "uv").exists())


def path_with_uv() -> str:
    """The PATH of an activated virtual environment: its ``bin`` first."""
    return os.pathsep.join([str(Path(sys.executable).parent), path_without_uv()])


def time_start(builds: Path, path: str) -> float:
    """Seconds from ``python -m chapter09`` to "Runnerly is up"; then stop it."""
    env = {
        **os.environ,
        "PATH": path,
        "RUNNERLY_BUILDS": str(builds),
        "RUNNERLY_PORT_BASE": str(free_base()),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "chapter09"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        for line in process.stdout:  # it gives up by itself after 60 s
            output.append(line)
            if "Runnerly is up" in line:
                return time.monotonic() - started
        raise RuntimeError("python -m chapter09 exited:\n" + "".join(output))
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)


def measure(rounds: int, ways: dict[str, str]) -> dict[tuple[str, str], list[float]]:
    """``{("first", "without"): [seconds, ...], ...}``, interleaved by round.

    A way's second start reuses what its first built: the two stay together."""
    times: dict[tuple[str, str], list[float]] = {
        (start, way): [] for start in ("first", "second") for way in ways
    }
    done = 0
    for number, way in interleaved(list(ways), rounds):
        with tempfile.TemporaryDirectory(prefix="runnerly-builds-") as builds:
            for start in ("first", "second"):
                times[start, way].append(time_start(Path(builds), ways[way]))
        done += 1
        if done % len(ways) == 0:
            print(f"round {number + 1}/{rounds} done", file=sys.stderr, flush=True)
    return times


def report(times: dict[tuple[str, str], list[float]]) -> str:
    """The median of each kind of start, its spread, its target and verdict.

    >>> print(report({("first", "without"): [8.0, 7.6, 8.4]}))
    start  uv on PATH  median s  spread  target s
    first     without       8.0     ±5%        30  met
    """
    header = ("start", "uv on PATH", "median s", "spread", "target s", "")
    rows = []
    for (start, way), values in times.items():
        figure = median(values)
        verdict = "met" if figure <= TARGETS[start] else "MISSED"
        target = f"{TARGETS[start]:g}"
        rows.append((start, way, f"{figure:.1f}", spread(values), target, verdict))
    return table(header, rows)


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(prog="python -m chapter09.machinery.benchmark")
    parse.add_argument("--rounds", type=int, default=3)
    args = parse.parse_args(argv)
    ways = {"with": path_with_uv(), "without": path_without_uv()}
    rounds = args.rounds
    if os.environ.get("SMOKE_TEST"):
        ways, rounds = {"without": ways["without"]}, 1
    print(report(measure(rounds, ways)))
    print(f"\n{machine()}, {rounds} round(s)")


if __name__ == "__main__":
    main()
