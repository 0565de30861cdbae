"""End-to-end: a user's client drives the proxy across process boundaries.

Book: chapter 3, "End-to-end tests". Everything is real and separate: the
fake tracker and the proxy run as the commands a reader types
(``python -m ...``), and the client is ``curl``, which knows nothing of
Python. Only what goes over the wire is checked.
"""

import json
import subprocess

import pytest

from testkit.servers import python_command
from testkit.services import find_binary


class Curl:
    def __init__(self, base_url: str):
        self.binary = find_binary("curl", "sudo apt-get install curl")
        self.base_url = base_url

    def __call__(self, path: str, *options: str) -> tuple[int, dict, dict]:
        """Status, headers (lower-cased names) and JSON body of one request."""
        result = subprocess.run(
            [self.binary, "--silent", "--show-error", "--include", *options,
             self.base_url + path],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
        status_line, *header_lines = head.splitlines()
        fields = (line.split(": ", 1) for line in header_lines)
        headers = {name.lower(): value for name, value in fields}
        return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.e2e
def test_a_user_files_a_bug_then_finds_it(server_process):
    tracker = server_process(python_command("-m", "chapter03.machinery.fake_tracker"))
    proxy = server_process(
        python_command("-m", "chapter03.tracker"),
        env={"FLASK_TRACKER_API_URL": tracker.url},
    )
    curl = Curl(proxy.url)

    status, headers, body = curl(
        "/api/bugs",
        "--header", "Content-Type: application/json",
        "--data", '{"title": "Splits lost after sync", "severity": "major"}',
    )  # fmt: skip
    assert status == 201
    location = headers["location"]
    assert location.endswith(f"/api/bugs/{body['id']}")

    # The bug reached the tracker this test started, not some other one.
    status, _, record = Curl(tracker.url)(f"/rest/bug/{body['id']}")
    assert record["bugs"][0]["summary"] == "Splits lost after sync"

    status, headers, bug = curl(location.removeprefix(proxy.url))
    assert (status, headers["content-type"]) == (200, "application/json")
    assert bug["title"] == "Splits lost after sync"

    status, _, listing = curl("/api/bugs?status=open")
    assert status == 200
    assert body["id"] in [bug["id"] for bug in listing["bugs"]]

    status, _, error = curl("/api/bugs/500")
    assert error == {"status": 502, "message": "the bug tracker failed to answer"}
    assert "Bug tracker proxy on" in proxy.output()
