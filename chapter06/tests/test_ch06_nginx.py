"""nginx in front of the data service: stub_status and the JSON access log."""

import json
import re
from pathlib import Path

import pytest
import requests

from chapter04.dataservice import create_app, db
from testkit.waiting import wait_until

NGINX = Path(__file__).resolve().parent.parent / "nginx"


@pytest.fixture
def service():
    app = create_app("testing")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def proxy(nginx, live_server, service):
    """nginx with the chapter's snippets, proxying to the data service."""
    backend = live_server(service)
    http = (NGINX / "http.conf").read_text()
    http = http.replace("127.0.0.1:5000", f"127.0.0.1:{backend.port}")
    server = nginx(server=(NGINX / "server.conf").read_text(), http=http)
    server.backend = backend
    # Relative to nginx's prefix, its working folder: ``nginx -p WORKDIR``.
    server.log = Path(server.command[server.command.index("-p") + 1])
    server.log /= "access.json.log"
    return server


def status(url: str) -> dict[str, int]:
    text = requests.get(f"{url}/nginx_status", timeout=10).text
    numbers = [int(number) for number in re.findall(r"\d+", text)]
    names = ["active", "accepts", "handled", "requests", "reading", "writing"]
    return dict(zip([*names, "waiting"], numbers, strict=True))


def log_lines(path: Path, count: int, timeout: float = 10) -> list[dict]:
    """The first ``count`` lines of the JSON log: nginx writes each line
    once the response is sent, so the client may see the answer first."""

    def lines() -> list[str]:
        return path.read_text().splitlines() if path.exists() else []

    wait_until(lambda: len(lines()) >= count, timeout, 0.05, f"{count} log lines")
    return [json.loads(line) for line in lines()]


def test_stub_status_counts_connections_and_requests(proxy):
    before = status(proxy.url)
    assert before["active"] >= 1  # this very request
    with requests.Session() as session:  # one kept-alive connection
        for _ in range(5):
            assert session.get(f"{proxy.url}/users", timeout=10).status_code == 200
    after = status(proxy.url)
    # 5 proxied requests + this status request; not one per connection.
    assert after["requests"] - before["requests"] == 6
    assert after["accepts"] - before["accepts"] == 2
    assert after["handled"] == after["accepts"]  # none refused


def test_json_access_log_has_status_and_times(proxy):
    requests.get(f"{proxy.url}/users", timeout=10)
    requests.get(f"{proxy.url}/users/9", timeout=10)
    requests.post(f"{proxy.url}/users", data='{"bad"', timeout=10)
    requests.get(f"{proxy.url}/nginx_status", timeout=10)  # not logged
    lines = log_lines(proxy.log, 3)
    assert [(line["method"], line["uri"], line["status"]) for line in lines] == [
        ("GET", "/users", 200),
        ("GET", "/users/9", 404),
        ("POST", "/users", 400),
    ]
    for line in lines:
        # Seconds, to the millisecond (each rounded: either may be the larger).
        assert line["request_time"] >= 0
        assert float(line["upstream_response_time"]) >= 0
        assert line["upstream_status"] == str(line["status"])
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_log_escapes_what_a_client_sends(proxy):
    # A quote and a backslash in the user agent would break naive JSON.
    requests.get(
        f"{proxy.url}/users", headers={"User-Agent": 'say "hi" \\o/'}, timeout=10
    )
    (line,) = log_lines(proxy.log, 1)
    assert line["user_agent"] == 'say "hi" \\o/'


def test_the_log_tells_a_dead_service_from_a_slow_one(proxy):
    proxy.backend.stop()
    response = requests.get(f"{proxy.url}/users", timeout=10)
    assert response.status_code == 502
    (line,) = log_lines(proxy.log, 1)
    # nginx answered by itself: the upstream failed, it did not answer.
    assert line["status"] == 502
    assert line["upstream_status"] == "502"
