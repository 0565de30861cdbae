"""``python -m chapter09`` (``make run``): up, says where, and SIGTERM leaves
no process behind (chapter 9, "Process management")."""

import os
import random
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from testkit.ports import port_is_open

pytestmark = pytest.mark.integration


def free_base() -> int:
    """A base whose ports (base + 1..4, nginx's + 12, + 13, + 55, + 56) are all
    free now."""
    for _ in range(50):
        base = random.randrange(20000, 40000, 100)
        if not any(port_is_open(base + n) for n in (1, 2, 3, 4, 12, 13, 55, 56)):
            return base
    raise RuntimeError("no free port range")


def test_make_run_starts_everything_and_sigterm_stops_everything(tmp_path):
    base = free_base()
    log = tmp_path / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "chapter09"],
            env={**os.environ, "RUNNERLY_PORT_BASE": str(base)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "Ctrl-C stops everything" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        text = log.read_text()
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
        if process.poll() is None:
            process.kill()
            process.wait()
