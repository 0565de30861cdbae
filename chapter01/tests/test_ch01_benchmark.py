"""The benchmark script: its table, and that it counts what fails.

No test here looks at a speed: only at the shape of the table and at errors.
"""

import asyncio
import math

import pytest

from chapter01 import benchmark
from chapter01.wsgi_service import make_app
from testkit.ports import free_port


def rows(output: str) -> dict[str, list[str]]:
    """The table's data rows, by implementation."""
    found = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] in benchmark.IMPLEMENTATIONS:
            found[cells[0]] = cells
    return found


@pytest.mark.integration
def test_smoke_run_prints_five_rows_without_errors(monkeypatch, capsys):
    monkeypatch.setenv("SMOKE_TEST", "1")

    status = benchmark.main(["--concurrency", "4"])

    output = capsys.readouterr().out
    table = rows(output)
    assert list(table) == list(benchmark.IMPLEMENTATIONS)
    for cells in table.values():
        assert len(cells) == len(benchmark.HEADER)
        assert cells[-1] == "0"
    assert status == 0
    assert output.startswith("# ")  # the machine the numbers come from
    assert "0.3 s per server" in output


def test_a_failed_request_fails_the_run(monkeypatch, capsys):
    def failing(name, duration, concurrency):
        return benchmark.Result(name, 1.0, [0.001, 0.002], errors=1)

    monkeypatch.setattr(benchmark, "benchmark", failing)

    assert benchmark.main(["--duration", "1"]) == 1
    assert all(cells[-1] == "1" for cells in rows(capsys.readouterr().out).values())


@pytest.mark.integration
def test_an_answer_from_another_server_is_an_error(live_server):
    # The wsgi app answers "wsgi"; a run that expects "gevent" must say so.
    server = live_server(make_app("wsgi"))

    result = asyncio.run(benchmark.load("gevent", f"{server.url}/api", 0.1, 2))

    assert result.errors > 0
    assert result.latencies == []
    assert result.rate == 0
    assert math.isnan(benchmark.percentile(result.latencies, 0.5))


def test_a_refused_connection_is_an_error():
    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there

    result = asyncio.run(benchmark.load("wsgi", url, 0.05, 1))

    assert result.errors > 0


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert benchmark.percentile(values, 0.50) == 50
    assert benchmark.percentile(values, 0.99) == 99
    assert benchmark.percentile([3.0, 1.0, 2.0], 0.5) == 2
    assert benchmark.percentile([7.0], 0.99) == 7


def test_table_aligns_columns():
    text = benchmark.table([("wsgi", "1", "2.00", "3.00", "0")])
    header, row = text.splitlines()
    assert header.split() == [
        "implementation",
        "requests/s",
        "p50",
        "ms",
        "p99",
        "ms",
        "errors",
    ]
    assert len(header) == len(row)
    assert row.endswith("0")


def test_result_rate_is_successes_per_second():
    result = benchmark.Result("wsgi", 2.0, [0.001] * 10)
    assert result.rate == 5
    assert benchmark.Result("wsgi").rate == 0
