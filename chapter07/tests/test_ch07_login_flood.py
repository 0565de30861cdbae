"""A flood of wrong secrets against a real TokenDealer process: each check
is a 16 MiB scrypt hash, so without bounds 64 at once took the process from
about 100 MB to 1.3 GB and a good token request from 31 ms to a second.
Bounded (tokendealer/attempts.py, clients.HASH_CHECKS): two hashes at a
time, ten failures per address a minute, then 429 before any hash."""

import base64
import http.client
import json
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from chapter07.tokendealer.clients import register
from testkit.servers import ServerProcess, python_command

pytestmark = pytest.mark.integration
FORM = urllib.parse.urlencode({"grant_type": "client_credentials"})


def basic(client_id: str, secret: str) -> dict:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def post_token(port: int, headers: dict, source: str = "127.0.0.1"):
    """``POST /oauth/token`` from the loopback address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        connection.request("POST", "/oauth/token", FORM, headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


class PeakMemory:
    """The highest resident memory of a process, sampled every 10 ms."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


def test_a_flood_of_wrong_secrets_is_bounded(tmp_path):
    dashboard = register("dashboard", "runnerly-data", "data:read")
    dealer = ServerProcess(
        python_command("-m", "chapter07.tokendealer"),
        env={
            "FLASK_KEY_DIR": str(tmp_path / "keys"),
            "FLASK_CLIENTS_FILE": str(tmp_path / "clients.json"),
            "FLASK_CLIENTS": json.dumps({"dashboard": dashboard.entry}),
        },
    ).start()
    try:
        right = basic("dashboard", dashboard.secret)
        assert post_token(dealer.port, right)[0] == 200  # warm, and the baseline
        before = psutil.Process(dealer.process.pid).memory_info().rss
        wrong = basic("dashboard", "guess")
        # 64 wrong secrets from 16 clients at once, as fast as they are answered.
        with PeakMemory(dealer.process.pid) as memory, ThreadPoolExecutor(16) as pool:
            answers = list(
                pool.map(lambda _: post_token(dealer.port, wrong), range(64))
            )
        statuses = [status for status, _ in answers]
        assert all(body["error"] == "invalid_client" for _, body in answers)
        # Hashed (401) until ten had failed, plus those already under way then;
        # every later one refused (429) before any hash.
        assert 10 <= statuses.count(401) <= 10 + 16
        assert statuses.count(429) == 64 - statuses.count(401)
        # Two hashes at a time, never sixty-four: tens of MB, not a GB.
        assert memory.peak - before < 150 * 2**20, (before, memory.peak)
        # The flooding address waits; the real client, elsewhere, does not.
        assert post_token(dealer.port, right)[0] == 429
        assert post_token(dealer.port, right, source="127.0.0.2")[0] == 200
    finally:
        dealer.stop()
