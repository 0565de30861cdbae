"""The benchmark's parts; its numbers are not checked.

The README runs the whole benchmark once (``SMOKE_TEST=1``); these tests do
not run it again: they run its functions with tiny counts.
"""

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from chapter05.machinery import benchmark
from chapter05.machinery.benchmark import Row

ROWS = [
    ("connections", "http, pooled session"),
    ("connections", "http, new connection per call"),
    ("connections", "https, pooled session"),
    ("connections", "https, new connection per call"),
    ("payload", "json"),
    ("payload", "gzip json"),
    ("payload", "msgpack"),
    ("payload", "protobuf"),
    ("cache", "full 200"),
    ("cache", "304 revalidation"),
]
README = Path(__file__).resolve().parents[1] / "README.md"
CHART = README.parent / "machinery" / "benchmark.svg"
SVG = "{http://www.w3.org/2000/svg}"


def parse(output: str) -> dict[tuple[str, str], tuple[int, float]]:
    """The rows of a printed table: (section, variant) -> (bytes, ms)."""
    rows = {}
    for line in output.splitlines():
        section, *rest = line.split() or [""]
        if section in {"connections", "payload", "cache"}:
            *variant, size, ms, spread = rest
            assert re.fullmatch(r"±\d+%|n/a", spread), line
            rows[(section, " ".join(variant))] = (int(size), float(ms))
    return rows


def test_table_format():
    text = benchmark.table([Row("payload", "json", 10, None, [0.5, 0.7, 0.3])])
    assert parse(text) == {("payload", "json"): (10, 0.5)}
    assert (
        text.split()
        == "section variant bytes ms/op spread payload json 10 0.500 ±40%".split()
    )


def test_every_row_is_measured_once_a_round_interleaved():
    order = []
    rows = [
        Row("s", name, 0, lambda name=name: order.append(name) or 1.0)
        for name in ("a", "b", "c")
    ]
    benchmark.measured(rows, rounds=2)
    assert order == ["a", "b", "c", "b", "c", "a"]
    assert [row.times for row in rows] == [[1.0, 1.0]] * 3


def test_the_readme_shows_every_row():
    # The table the README shows comes from a full run: it must not lag
    # behind the rows the benchmark measures today.
    [table] = re.findall(r"```text\n(.*?)```", README.read_text(), re.DOTALL)
    assert list(parse(table)) == ROWS
    assert "pooling saves" in table


@pytest.mark.integration
def test_a_tiny_run_measures_every_row():
    rows = benchmark.run(calls=2, run_count=3, repeats=2, rounds=2)
    assert all(len(row.times) == 2 for row in rows)
    measured = parse(benchmark.table(rows))
    assert list(measured) == ROWS
    assert measured[("cache", "304 revalidation")][0] == 0  # a 304 has no body
    assert all(ms > 0 for _, ms in measured.values())
    assert benchmark.pooling_savings(rows).startswith("pooling saves")


@pytest.mark.integration
def test_the_server_keeps_connections_open():
    # What the pooled rows rely on; Werkzeug's development server closes
    # every connection, so a pooled session would reconnect each time.
    with benchmark.serve(benchmark.ping) as server, requests.Session() as session:
        for _ in range(3):
            assert session.get(server.url, timeout=5).text == "ok"
        assert server.connections == 1
        for _ in range(2):
            requests.get(server.url, timeout=5)
        assert server.connections == 3


@pytest.mark.integration
def test_https_is_verified_against_the_test_ca():
    tls, authority = benchmark.local_tls()
    with benchmark.serve(benchmark.ping, tls) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with authority.cert_pem.tempfile() as ca_file:
            assert requests.get(server.url, verify=ca_file, timeout=5).text == "ok"
        # The system's CAs do not know the test CA: the client does check.
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url, timeout=5)


def readme_run() -> tuple[str, list[Row]]:
    """The note and the rows of the table the README shows (their medians)."""
    [block] = re.findall(r"```text\n(.*?)```", README.read_text(), re.DOTALL)
    rows = [Row(*key, size, None, [ms]) for key, (size, ms) in parse(block).items()]
    return block.splitlines()[0], rows


def test_the_chart_draws_each_figure_to_scale():
    rows = [
        Row("connections", "http, pooled session", 2, None, [0.5]),
        Row("connections", "http, new connection per call", 2, None, [2.0]),
        Row("cache", "full 200", 900, None, [3.0]),
    ]
    svg = ElementTree.fromstring(benchmark.chart(rows, "3 calls"))
    bars = [float(bar.get("width")) for bar in svg.iter(SVG + "rect")][1:]
    # Milliseconds of the connections, then of the cache; no payload row.
    assert bars == [85.0, 340.0, 340.0]
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert texts[0] == "3 calls"
    assert "connections: ms per call " in texts  # then "(less is better)"
    assert "payloads: bytes" not in texts


def test_svg_writes_the_chart_where_asked_and_only_then(monkeypatch, tmp_path):
    measured = [Row(*key, 10, None, [1.0]) for key in ROWS]
    monkeypatch.setattr(benchmark, "run", lambda *counts: measured)
    monkeypatch.chdir(tmp_path)

    benchmark.main([])
    assert list(tmp_path.iterdir()) == []

    benchmark.main(["--svg", "run.svg"])
    svg = (tmp_path / "run.svg").read_text()
    assert all(f">{variant}</text>" in svg for _, variant in ROWS)


def test_the_readme_chart_is_the_readme_table():
    # benchmark.svg, which the README shows, draws the README's table: the
    # two cannot drift. After a new run, paste its table into the README and
    # write benchmark.svg from the run (--svg) or from the README:
    # python -c "from chapter05.tests.test_ch05_benchmark import draw; draw()"
    note, rows = readme_run()
    assert CHART.read_text() == benchmark.chart(rows, note)
    assert "(machinery/benchmark.svg)" in README.read_text()


def draw() -> None:
    """Write benchmark.svg from the README's table."""
    note, rows = readme_run()
    CHART.write_text(benchmark.chart(rows, note), encoding="utf-8")
