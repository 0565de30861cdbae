"""Load tests: the molotov scenarios, briefly, against the live proxy.

Book: chapter 3, "Load tests". The suite runs a bounded smoke of the load
test (4 concurrent workers, 25 runs each, at most 30 seconds) and asserts
that no scenario failed: enough concurrency to show a race between requests
(the README shows one), little enough to take a second. It never asserts a
speed: on a shared machine that would test the machine.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MOLOTOV = Path(sys.executable).with_name("molotov")
SMOKE = [
    "--workers", "4", "--max-runs", "25", "--duration", "30",
    # Exit 1 from the first failure on (molotov exits 0 by default).
    "--fail", "1", "--force-shutdown",
]  # fmt: skip


@pytest.mark.integration
def test_the_load_scenarios_pass_against_the_live_proxy(live_proxy_url):
    result = subprocess.run(
        [MOLOTOV, *SMOKE, "chapter03/loadtest.py"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "TRACKER_URL": live_proxy_url},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "SUCCESSES: 100 | FAILURES: 0" in output
