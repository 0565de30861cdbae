"""The benchmark runs and prints every row; its numbers are not checked."""

import os
import subprocess

import pytest

from chapter05 import benchmark
from testkit.servers import ROOT, python_command

ROWS = [
    ("connections", "pooled session"),
    ("connections", "new connection per call"),
    ("payload", "json"),
    ("payload", "gzip json"),
    ("payload", "msgpack"),
    ("payload", "protobuf"),
    ("cache", "full 200"),
    ("cache", "304 revalidation"),
]


def parse(output: str) -> dict[tuple[str, str], tuple[int, float]]:
    rows = {}
    for line in output.splitlines():
        section, *rest = line.split()
        if section in {"connections", "payload", "cache"}:
            *variant, size, ms = rest
            rows[(section, " ".join(variant))] = (int(size), float(ms))
    return rows


@pytest.mark.integration
def test_smoke_run_prints_the_table():
    result = subprocess.run(
        python_command("-m", "chapter05.benchmark"),
        cwd=ROOT,
        env={**os.environ, "SMOKE_TEST": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = parse(result.stdout)
    assert list(rows) == ROWS
    assert rows[("cache", "304 revalidation")][0] == 0  # a 304 has no body
    assert all(ms >= 0 for _, ms in rows.values())


def test_table_format():
    text = benchmark.table([("payload", "json", 10, 0.5)])
    assert parse(text) == {("payload", "json"): (10, 0.5)}
