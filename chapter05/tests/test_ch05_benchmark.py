"""The benchmark's parts; its numbers are not checked.

The README runs the whole benchmark once (``SMOKE_TEST=1``); these tests do
not run it again: they run its functions with tiny counts.
"""

import re
from pathlib import Path

import pytest
import requests

from chapter05 import benchmark

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


def parse(output: str) -> dict[tuple[str, str], tuple[int, float]]:
    """The rows of a printed table: (section, variant) -> (bytes, ms)."""
    rows = {}
    for line in output.splitlines():
        section, *rest = line.split() or [""]
        if section in {"connections", "payload", "cache"}:
            *variant, size, ms = rest
            rows[(section, " ".join(variant))] = (int(size), float(ms))
    return rows


def test_table_format():
    text = benchmark.table([("payload", "json", 10, 0.5)])
    assert parse(text) == {("payload", "json"): (10, 0.5)}


def test_the_readme_shows_every_row():
    # The table the README shows comes from a full run: it must not lag
    # behind the rows the benchmark measures today.
    [table] = re.findall(r"```text\n(.*?)```", README.read_text(), re.DOTALL)
    assert list(parse(table)) == ROWS
    assert "pooling saves" in table


@pytest.mark.integration
def test_a_tiny_run_measures_every_row():
    rows = benchmark.run(calls=2, run_count=3, rounds=2)
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
