"""The benchmark kit: what every benchmark of this repository measures with.

Chapter 1 compares servers; later chapters compare ways of doing one thing
(chapter 5's payloads, chapter 6's monitoring, chapter 7's firewalls,
chapter 9's start). They all need the same few things, written once here:

- :func:`interleaved`: the order of the measurements. Each round measures
  every variant once, each round starting one variant further on, so a
  burst of work elsewhere on the machine spoils a slice of every variant
  alike, not the whole figure of one;
- :func:`median`, :func:`percentile` and :func:`spread`: the figure of a
  variant is its median over the rounds, shown with the spread of the
  rounds, so a reader sees how far to trust it;
- :func:`process_cpu_seconds`: the CPU time a process spent, which depends
  far less than a rate on whatever else the machine does;
- :func:`free_port`, :func:`machine`, :func:`table` and :func:`chart`: a
  port to serve on, what the figures were measured on, and the figures as
  text and as an SVG bar chart.

    >>> list(interleaved(["a", "b", "c"], rounds=2))
    [(0, 'a'), (0, 'b'), (0, 'c'), (1, 'b'), (1, 'c'), (1, 'a')]
    >>> median([3.0, 1.0, 2.0]), spread([0.9, 1.0, 1.2])
    (2.0, '±15%')
"""

import os
import platform
import socket
import statistics
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape


def interleaved(names: Sequence[str], rounds: int) -> Iterator[tuple[int, str]]:
    """``(round, name)`` pairs: every name once a round, rotated each round."""
    for number in range(rounds):
        shift = number % len(names) if names else 0
        for name in [*names[shift:], *names[:shift]]:
            yield number, name


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the value that ``fraction`` of them reach.

    >>> percentile([3.0, 1.0, 2.0, 4.0], 0.5), percentile([], 0.5)
    (2.0, nan)
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    """The median of the known values (NaN ones left out); NaN if none.

    >>> median([3.0, float("nan"), 1.0, 2.0])
    2.0
    """
    known = [value for value in values if value == value]
    return statistics.median(known) if known else float("nan")


def spread(values: Sequence[float]) -> str:
    """How far the rounds lie from their median: half their range, in %.

    >>> spread([100.0, 104.0, 96.0]), spread([5.0]), spread([])
    ('±4%', '±0%', 'n/a')
    """
    known = [value for value in values if value == value]
    middle = median(known)
    if not known or not middle:
        return "n/a"
    return f"±{(max(known) - min(known)) / 2 / abs(middle):.0%}"


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time process ``pid`` has used so far, all threads.

    Read from ``/proc/<pid>/stat`` (Linux); None where there is no such file
    (macOS, Windows) or no such process.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return cpu_seconds_in_stat(stat, os.sysconf("SC_CLK_TCK"))


def cpu_seconds_in_stat(stat: str, ticks_per_second: int) -> float:
    """utime + stime (fields 14 and 15 of proc(5)) of a ``stat`` line, in s.

    Field 2, the command name in parentheses, may hold spaces and
    parentheses itself: the fields are counted after its last ``)``.

    >>> cpu_seconds_in_stat("42 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0", 100)
    3.0
    """
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    python = platform.python_version()
    return f"{cpus or os.cpu_count()} CPUs, {model}, Python {python}, {today}"


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, names: int = 1
) -> str:
    """Left-aligned names (the first ``names`` columns), right-aligned
    figures, two spaces apart.

    >>> print(table(("variant", "requests/s"), [("plain", "1200"), ("waf", "1100")]))
    variant  requests/s
    plain          1200
    waf            1100
    >>> print(table(("section", "variant", "ms"), [("cache", "304", "0.7")], names=2))
    section  variant   ms
    cache    304      0.7
    """
    lines = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(line):
        cells = (
            cell.ljust(width) if column < names else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    return "\n".join(render(line) for line in lines)


def chart(
    sections: Sequence[tuple[str, str, Sequence[tuple[str, str]]]],
    notes: Sequence[str],
    *,
    left: int = 110,
    colour: str = "#3f6fb5",
) -> str:
    """Horizontal bar charts in SVG: one per ``(heading, better, bars)``.

    ``bars`` are ``(label, figure)`` pairs, the figure as the table prints
    it; one that is not a number (``n/a``) gets no bar. ``notes`` (the
    machine, the load) go on top: figures mean nothing without them.
    Written out by hand, so the same table gives the same file, byte for
    byte.

    >>> svg = chart([("requests/s", "more is better", [("wsgi", "n/a")])], ["a note"])
    >>> svg.startswith("<svg") and ">a note</text>" in svg and ">n/a</text>" in svg
    True
    """
    width, line = 640, 20
    room = width - left - 90
    out, y = [], 10
    for note in notes:
        y += 16
        out.append(f'<text x="10" y="{y}" class="note">{escape(note)}</text>')
    for heading, better, bars in sections:
        y += 30
        suffix = f' <tspan class="note">({better})</tspan>' if better else ""
        out.append(
            f'<text x="10" y="{y}" class="heading">{escape(heading)}{suffix}</text>'
        )
        values = [number(figure) for _, figure in bars]
        top = max((value for value in values if value is not None), default=0) or 1
        for (label, figure), value in zip(bars, values, strict=True):
            y += line
            out.append(
                f'<text x="{left - 8}" y="{y}" class="label">{escape(label)}</text>'
            )
            length = 0.0
            if value is not None:
                length = value / top * room
                out.append(
                    f'<rect x="{left}" y="{y - 12}" width="{length:.1f}" '
                    f'height="14" class="bar"/>'
                )
            out.append(
                f'<text x="{left + length + 6:.1f}" y="{y}">{escape(figure)}</text>'
            )
    height = y + 14
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="12">',
            "<style>.note{fill:#555}.heading{font-weight:bold}"
            f".label{{text-anchor:end}}.bar{{fill:{colour}}}</style>",
            # Its own background: the chart stays readable on a dark page.
            f'<rect width="{width}" height="{height}" fill="#fff"/>',
            *out,
            "</svg>",
            "",
        ]
    )


def number(figure: str) -> float | None:
    """A table's figure as a number (``1,200`` is 1200), None if it is none.

    >>> number("1,200"), number("n/a")
    (1200.0, None)
    """
    try:
        value = float(figure.replace(",", ""))
    except ValueError:
        return None
    return value if value == value else None
