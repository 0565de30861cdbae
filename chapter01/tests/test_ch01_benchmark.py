"""The benchmark's parts: statistics, table, errors, CPU time, the rounds.

The README runs the whole benchmark once (a short run); these tests check
its parts, and none looks at a speed.
"""

import asyncio
import math
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from chapter01.machinery import benchmark, kit
from chapter01.wsgi_service import make_app
from testkit.ports import free_port

NAN = float("nan")
SVG = "{http://www.w3.org/2000/svg}"
README = Path(benchmark.__file__).parents[1] / "README.md"
CHART = Path(benchmark.__file__).parent / "benchmark.svg"
has_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads Linux's /proc"
)


def rows(output: str) -> dict[str, list[str]]:
    """The table's data rows, by implementation."""
    found = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] in benchmark.IMPLEMENTATIONS:
            found[cells[0]] = cells
    return found


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert benchmark.percentile(values, 0.50) == 50
    assert benchmark.percentile(values, 0.99) == 99
    assert benchmark.percentile([3.0, 1.0, 2.0], 0.5) == 2
    assert benchmark.percentile([7.0], 0.99) == 7
    assert math.isnan(benchmark.percentile([], 0.5))


def test_median_leaves_unknown_values_out():
    assert benchmark.median([5.0, 1.0, 3.0]) == 3
    assert benchmark.median([4.0, NAN, 1.0, 2.0]) == 2
    assert math.isnan(benchmark.median([NAN]))
    assert math.isnan(benchmark.median([]))


def test_a_slice_gives_rate_and_cpu_per_request():
    one = benchmark.Slice(seconds=2.0, latencies=[0.001] * 10, cpu_seconds=0.005)
    assert one.rate == 5
    assert one.cpu_per_request == pytest.approx(0.0005)
    assert benchmark.Slice().rate == 0
    assert math.isnan(benchmark.Slice(1.0, [0.001]).cpu_per_request)  # unknown
    assert math.isnan(benchmark.Slice(1.0, [], cpu_seconds=0.1).cpu_per_request)


def test_the_row_gives_medians_over_the_rounds():
    def slice_(rate, latency, cpu_per_request):
        count = 100
        return benchmark.Slice(
            seconds=count / rate,
            latencies=[latency] * count,
            cpu_seconds=cpu_per_request * count,
        )

    result = benchmark.Result(
        "wsgi",
        [
            slice_(1000, 0.002, 100e-6),
            slice_(9000, 0.001, 90e-6),  # a round the others disturbed less
            slice_(2000, 0.003, 110e-6),
        ],
        errors=2,
    )

    assert result.row() == ("wsgi", "2000", "2.00", "2.00", "100", "2")


def test_the_row_says_when_cpu_time_is_unknown():
    result = benchmark.Result("wsgi", [benchmark.Slice(1.0, [0.001])])
    assert result.row()[4] == "n/a"


def test_table_aligns_columns():
    text = benchmark.table([("sanic", "12345", "2.00", "13.00", "45", "0")])
    header, row = text.splitlines()
    assert header.startswith("implementation  requests/s")
    assert len(header) == len(row)
    assert row.split() == ["sanic", "12345", "2.00", "13.00", "45", "0"]
    # Figures end under the end of their heading.
    assert header.index("p99 ms") + len("p99 ms") == row.index("13.00") + 5


@pytest.mark.integration
@pytest.mark.parametrize(
    "expected, path",
    [("gevent", "/api"), ("wsgi", "/nope")],
    ids=["an answer from another server", "an error status"],
)
def test_a_wrong_answer_is_an_error(live_server, expected, path):
    # The wsgi app answers "wsgi" at /api: a run that expects "gevent" must
    # say so, and so must one whose every request gets a 404.
    server = live_server(make_app("wsgi"))

    result = asyncio.run(benchmark.load(expected, f"{server.url}{path}", 0.1, 2))

    assert result.errors > 0
    assert result.latencies == []
    assert result.rate == 0


@pytest.mark.integration
def test_right_answers_are_counted(live_server):
    server = live_server(make_app("wsgi"))

    result = asyncio.run(benchmark.load("wsgi", f"{server.url}/api", 0.1, 2))

    assert result.errors == 0
    assert result.latencies
    assert result.seconds >= 0.1


def test_a_refused_connection_is_an_error():
    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there

    result = asyncio.run(benchmark.load("wsgi", url, 0.05, 1))

    assert result.errors > 0


@has_proc
def test_cpu_time_of_a_process_is_read_from_proc():
    before = benchmark.process_cpu_seconds(os.getpid())
    times = os.times()
    # The same clock as os.times() for this process, to a few ticks.
    assert before == pytest.approx(times.user + times.system, abs=0.05)

    # Work until the reading moves (it counts in ticks of 10 ms or so).
    deadline = times.elapsed + 10
    while benchmark.process_cpu_seconds(os.getpid()) == before:
        assert os.times().elapsed < deadline
        sum(range(10_000))

    assert benchmark.process_cpu_seconds(os.getpid()) > before


def test_cpu_time_of_a_process_that_is_gone_is_unknown():
    assert benchmark.process_cpu_seconds(2**22 + 1) is None  # above pid_max


def test_the_stat_line_is_parsed_after_the_command_name():
    line = "7 (py (x) y) S 1 2 3 4 5 6 7 8 9 10 150 50 9 9 20"
    assert kit.cpu_seconds_in_stat(line, 100) == 2.0


class FakeServer:
    """What run_rounds uses of a server, with a CPU clock that it moves."""

    def __init__(self, name):
        self.name = name
        self.url = f"http://127.0.0.1:1/{name}"
        self.cpu = 0.0

    def cpu_seconds(self):
        return self.cpu


def test_rounds_load_every_server_in_turn(monkeypatch):
    servers = [FakeServer("wsgi"), FakeServer("sanic")]
    calls = []

    async def fake_load(name, url, duration, concurrency):
        calls.append((name, duration))
        server = next(one for one in servers if one.name == name)
        server.cpu += 0.5  # the server works while it is loaded
        errors = 1 if (name, duration) == ("sanic", benchmark.WARM_UP) else 0
        return benchmark.Slice(duration, [0.001] * 10, errors=errors)

    monkeypatch.setattr(benchmark, "load", fake_load)

    results = asyncio.run(benchmark.run_rounds(servers, 3, 1.0, 4))

    warm = benchmark.WARM_UP
    assert calls == [
        ("wsgi", warm),
        ("sanic", warm),
        ("wsgi", 1.0),  # round 1
        ("sanic", 1.0),
        ("sanic", 1.0),  # round 2 starts one further on
        ("wsgi", 1.0),
        ("wsgi", 1.0),  # round 3
        ("sanic", 1.0),
    ]
    assert [result.name for result in results] == ["wsgi", "sanic"]
    for result in results:
        assert len(result.slices) == 3  # the warm-up is not a round
        assert all(one.cpu_seconds == 0.5 for one in result.slices)
    # Errors of the warm-up count: any failed request fails the run.
    assert [result.errors for result in results] == [0, 1]


def test_a_failed_request_fails_the_run(monkeypatch, capsys):
    async def failing(servers, rounds, duration, concurrency):
        one = benchmark.Slice(1.0, [0.001, 0.002], errors=1)
        return [benchmark.Result(server.name, [one], 1) for server in servers]

    stopped = []
    monkeypatch.setattr(
        benchmark, "start_all", lambda names: list(map(FakeServer, names))
    )
    monkeypatch.setattr(benchmark, "stop_all", stopped.extend)
    monkeypatch.setattr(benchmark, "run_rounds", failing)

    assert benchmark.main(["--rounds", "1"]) == 1

    output = capsys.readouterr().out
    table = rows(output)
    assert list(table) == list(benchmark.IMPLEMENTATIONS)
    assert all(cells[-1] == "1" for cells in table.values())
    assert output.startswith("# ")  # the machine the numbers come from
    assert len(stopped) == len(benchmark.IMPLEMENTATIONS)


def test_smoke_test_makes_a_short_run(monkeypatch):
    monkeypatch.setenv("SMOKE_TEST", "1")
    args = benchmark.parse_args([])
    assert (args.rounds, args.slice) == (benchmark.SMOKE_ROUNDS, benchmark.SMOKE_SLICE)

    monkeypatch.delenv("SMOKE_TEST")
    args = benchmark.parse_args([])
    assert (args.rounds, args.slice) == (benchmark.ROUNDS, benchmark.SLICE)


def test_a_server_that_cannot_start_is_reported(capsys, monkeypatch):
    # No such module: the process exits before it listens.
    monkeypatch.setattr(benchmark, "IMPLEMENTATIONS", ("nonexistent",))

    assert benchmark.main(["--rounds", "1"]) == 1

    error = capsys.readouterr().err
    assert "chapter01.nonexistent_service exited with 1" in error
    assert "No module named chapter01.nonexistent_service" in error


def readme_run() -> tuple[list[str], list[tuple[str, ...]]]:
    """The notes and the rows of the table the README shows."""
    text = README.read_text()
    [block] = re.findall(r"```text\n(# .*?)```", text, re.S)
    notes = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    return notes, [tuple(cells) for cells in rows(block).values()]


def test_the_chart_draws_each_figure_to_scale():
    table_rows = [
        ("wsgi", "1000", "2.00", "3.00", "100", "0"),
        ("sanic", "4000", "0.50", "1.00", "n/a", "0"),
    ]
    svg = ElementTree.fromstring(benchmark.chart(table_rows, ["the machine"]))
    bars = [float(bar.get("width")) for bar in svg.iter(SVG + "rect")][1:]
    # requests/s, latency, CPU time (unknown for sanic: no bar).
    assert bars == [110.0, 440.0, 440.0, 110.0, 440.0]
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert texts[0] == "the machine"
    assert texts.count("n/a") == 1


def test_svg_writes_the_chart_where_asked_and_only_then(monkeypatch, tmp_path):
    async def quiet(servers, rounds, duration, concurrency):
        one = benchmark.Slice(1.0, [0.001, 0.002], cpu_seconds=0.001)
        return [benchmark.Result(server.name, [one]) for server in servers]

    monkeypatch.setattr(
        benchmark, "start_all", lambda names: list(map(FakeServer, names))
    )
    monkeypatch.setattr(benchmark, "stop_all", lambda servers: None)
    monkeypatch.setattr(benchmark, "run_rounds", quiet)
    monkeypatch.chdir(tmp_path)

    assert benchmark.main(["--rounds", "1"]) == 0
    assert list(tmp_path.iterdir()) == []

    assert benchmark.main(["--rounds", "1", "--svg", "run.svg"]) == 0
    svg = (tmp_path / "run.svg").read_text()
    assert all(f">{name}</text>" in svg for name in benchmark.IMPLEMENTATIONS)


def test_the_readme_chart_is_the_readme_table():
    # benchmark.svg, which the README shows, draws the README's table: the
    # two cannot drift. After a new run, paste its table into the README and
    # write benchmark.svg from the run (--svg) or from the README:
    # python -c "from chapter01.tests.test_ch01_benchmark import draw; draw()"
    notes, table_rows = readme_run()
    assert [row[0] for row in table_rows] == list(benchmark.IMPLEMENTATIONS)
    assert CHART.read_text() == benchmark.chart(table_rows, notes)
    assert (
        "![" in README.read_text() and "(machinery/benchmark.svg)" in README.read_text()
    )


def draw() -> None:
    """Write benchmark.svg from the README's table."""
    notes, table_rows = readme_run()
    CHART.write_text(benchmark.chart(table_rows, notes), encoding="utf-8")
