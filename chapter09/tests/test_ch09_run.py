"""``python -m chapter09`` (``make run``): up, says where, and SIGTERM leaves
no process behind; the services' environments built once and reused while
nothing they are made of changes; the start timed (chapter 9, "Process
management")."""

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from chapter09.machinery import stack
from chapter09.machinery.stack import Environments, free_base
from testkit.servers import ServerProcess, python_command

pytestmark = pytest.mark.integration


def test_make_run_starts_everything_and_sigterm_stops_everything(tmp_path):
    base = free_base()
    server = ServerProcess(
        python_command("-m", "chapter09"),
        env={
            "RUNNERLY_PORT_BASE": str(base),
            "RUNNERLY_BUILDS": str(tmp_path / "builds"),
        },
    )
    process = server.launch()
    try:
        text = server.wait_for_output("Ctrl-C stops everything", timeout=60)
        assert f"open http://127.0.0.1:{base + 2}" in text
        assert "log in with Strava" in text
        page = requests.get(f"http://127.0.0.1:{base + 2}/", timeout=5)
        assert page.status_code == 200
        stack = psutil.Process(process.pid).children(recursive=True)
        assert len(stack) >= 10  # circusd, 3 x 2 gunicorns and their workers...
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(stack, timeout=10)
        assert alive == []
    finally:
        server.stop()


def test_an_environment_is_reused_until_its_lock_or_sources_change(
    tmp_path, monkeypatch
):
    locks = tmp_path / "locks"
    locks.mkdir()
    lock = locks / "tokendealer.txt"
    lock.write_text(stack.lock_of("tokendealer").read_text())
    monkeypatch.setattr(stack, "lock_of", lambda service: locks / f"{service}.txt")
    said = []
    environments = Environments(tmp_path / "builds", said.append)

    first = environments.get("tokendealer")
    assert said == [
        "tokendealer: building its wheel...",
        "tokendealer: installing runnerly_tokendealer-1.0.0-py3-none-any.whl"
        " and its lock...",
        said[-1],
    ]
    assert said[-1].startswith("tokendealer: ready in ")
    assert (first / "bin" / "runnerly-tokendealer").exists()
    assert environments.get("tokendealer") == first
    assert said[-1] == "tokendealer: unchanged, environment reused"

    lock.write_text(lock.read_text() + "# a new line: another lock\n")
    second = environments.get("tokendealer")
    assert second != first and (second / "bin" / "runnerly-tokendealer").exists()
    assert said[-1].startswith("tokendealer: ready in ")

    # A build interrupted before its end (no .complete) is made again.
    (second.parent / ".complete").unlink()
    assert environments.get("tokendealer") == second
    assert said[-1].startswith("tokendealer: ready in ")
    assert (second.parent / ".complete").exists()


def test_two_starts_at_once_build_an_environment_once(tmp_path):
    # make run in one terminal and a test in another, on the same folder:
    # each waits for the other, neither removes the other's half-made build.
    said = []
    environments = Environments(tmp_path / "builds", said.append)
    with ThreadPoolExecutor(2) as pool:
        venvs = list(pool.map(environments.get, ["tokendealer"] * 2))
    assert venvs[0] == venvs[1]
    assert (venvs[0] / "bin" / "runnerly-tokendealer").exists()
    assert (venvs[0].parent / ".complete").exists()
    assert said.count("tokendealer: building its wheel...") == 1
    assert said[-1] == "tokendealer: unchanged, environment reused"


def test_the_start_benchmark_prints_its_figures():
    done = subprocess.run(
        [sys.executable, "-m", "chapter09.machinery.benchmark"],
        env={**os.environ, "SMOKE_TEST": "1"},
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:3]]
    assert [row[:2] for row in rows] == [["first", "without"], ["second", "without"]]
    for row in rows:
        assert float(row[2]) > 0 and row[5] in ("met", "MISSED")
