"""Rate and concurrency limits in nginx, with our Lua module and with nginx's
own limit_req / limit_conn: the same numbers, the same behaviour, counted."""

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask

from chapter07 import waf_nginx
from chapter07.waf_nginx import Limits
from testkit.ports import free_port
from testkit.services import nginx_server
from testkit.waiting import wait_until

SETUPS = ["lua", "limits"]  # the Lua module, nginx's own directives


def flood(url: str, count: int, threads: int = 6) -> list[requests.Response]:
    """``count`` GETs at once from ``threads`` clients: bounded, loopback."""

    def get(_):
        return requests.get(url, timeout=10)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(get, range(count)))


@pytest.mark.parametrize("setup", SETUPS)
def test_a_flood_passes_exactly_the_rate_and_burst(setup, waf, data_service):
    # One a minute, 4 more at once: a flood of seconds passes 1 + 4.
    limits = Limits(per_minute=1, burst=4, concurrency=100)
    proxy = waf(setup, data_service.url, limits)
    start = time.monotonic()
    answers = flood(f"{proxy.url}/users", 30)
    elapsed = time.monotonic() - start
    passed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    allowed = 1 + limits.burst + int(elapsed * limits.per_minute / 60)
    assert len(passed) == allowed == 5
    assert len(refused) == 30 - allowed
    for answer in refused:
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json() == {"status": 429, "message": "Too many requests."}
        assert int(answer.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("setup", SETUPS)
def test_a_refusal_says_when_to_retry(setup, waf, data_service):
    # The bucket leaks one request a minute: the next fits in 60 seconds.
    proxy = waf(setup, data_service.url, Limits(per_minute=1, burst=0))
    assert requests.get(f"{proxy.url}/users", timeout=10).status_code == 200
    refused = requests.get(f"{proxy.url}/users", timeout=10)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"


def get_from(address: str, port: int, path: str) -> int:
    """A GET sent from another loopback address (127.0.0.0/8 is all ours)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(address, 0)
    )
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("setup", SETUPS)
def test_the_limit_is_per_client_address(setup, waf, data_service):
    proxy = waf(setup, data_service.url, Limits(per_minute=1, burst=1))
    assert [get_from("127.0.0.1", proxy.port, "/users") for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert get_from("127.0.0.2", proxy.port, "/users") == 200


class HeldService:
    """A service whose answers wait until released: requests stay in flight."""

    def __init__(self):
        self.app = Flask(__name__)
        self.release = threading.Event()
        self.inside = 0
        self._lock = threading.Lock()
        self.app.get("/users")(self.users)

    def users(self):
        with self._lock:
            self.inside += 1
        self.release.wait(10)
        return []


@pytest.mark.parametrize("setup", SETUPS)
def test_requests_in_flight_are_limited(setup, waf, live_server):
    held = HeldService()
    upstream = live_server(held.app)
    limits = Limits(per_minute=6000, burst=100, concurrency=2)
    proxy = waf(setup, upstream.url, limits)
    with ThreadPoolExecutor(5) as pool:
        futures = [
            pool.submit(requests.get, f"{proxy.url}/users", timeout=15)
            for _ in range(5)
        ]
        try:
            # Two are held by the service; the other three are answered at once.
            wait_until(
                lambda: held.inside == 2 and sum(f.done() for f in futures) == 3,
                timeout=10,
                interval=0.01,
            )
            refused = [f.result() for f in futures if f.done()]
        finally:
            held.release.set()
        statuses = sorted(f.result().status_code for f in futures)
    assert statuses == [200, 200, 429, 429, 429]
    assert all(r.headers["Content-Type"] == "application/json" for r in refused)
    # Once answered, the places are free again.
    assert requests.get(f"{proxy.url}/users", timeout=10).status_code == 200


def test_a_request_ended_by_error_page_gives_its_place_back(tmp_path):
    # A service that is down: nginx's 502 goes, by error_page, to a location
    # of its own, where the request ends. Its place in flight must be given
    # back there too, or, `concurrency` failures later, the address would be
    # refused for good (the count has no expiry): ngx.ctx, emptied by the
    # redirect, and leave() set in `location /` only, each lost it.
    upstream = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    http, server = waf_nginx.lua_waf(upstream, Limits(concurrency=2))
    # In `location /`: an error_page there replaces those it would inherit.
    server = server.replace(
        "error_page 413", "error_page 502 = @down;\n    error_page 413"
    )
    down = """\
location @down {
    default_type application/json;
    return 503 '{"status": 503, "message": "Service unavailable."}';
}"""
    proxy = nginx_server(tmp_path, f"{server}\n{down}", http=http, lua=True).start()
    try:
        answers = [get_from("127.0.0.1", proxy.port, "/users") for _ in range(5)]
    finally:
        proxy.stop()
    assert answers == [503] * 5


# Other features: rules in Lua, answered in JSON before the service is asked.


@pytest.fixture
def lua_waf(waf, data_service):
    return waf("lua", data_service.url, Limits(per_minute=6000, burst=100))


def test_ordinary_requests_pass(lua_waf):
    created = requests.post(
        f"{lua_waf.url}/users", json={"email": "runner@example.com"}, timeout=10
    )
    assert created.status_code == 201
    assert requests.get(f"{lua_waf.url}/users/1/runs", timeout=10).json() == []


@pytest.mark.parametrize(
    "agent", ["sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.0 (Nikto/2.5)"]
)
def test_a_scanner_is_refused(lua_waf, agent):
    answer = requests.get(
        f"{lua_waf.url}/users", headers={"User-Agent": agent}, timeout=10
    )
    assert answer.status_code == 403
    assert answer.json() == {"status": 403, "message": "Forbidden client."}


def test_a_body_too_large_is_refused(lua_waf):
    body = json.dumps({"email": "runner@example.com", "lastname": "x" * 70_000})
    answer = requests.post(
        f"{lua_waf.url}/users",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413
    assert answer.json() == {"status": 413, "message": "Request body too large."}


@pytest.mark.parametrize("size", [200_000, 2_000_000])
def test_a_chunked_body_too_large_is_refused(lua_waf, data_service, size):
    # No Content-Length to read: the module measures the body itself (over
    # client_max_body_size, 1 MiB, nginx refuses it first, in JSON too).
    body = json.dumps({"email": "runner@example.com", "lastname": "x" * size})

    def chunked():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192].encode()

    answer = requests.post(
        f"{lua_waf.url}/users",
        data=chunked(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413
    assert answer.json() == {"status": 413, "message": "Request body too large."}
    assert requests.get(f"{data_service.url}/users", timeout=10).json() == []


def test_a_small_chunked_body_passes(lua_waf):
    def chunked():
        yield b'{"email": '
        yield b'"runner@example.com"}'

    answer = requests.post(
        f"{lua_waf.url}/users",
        data=chunked(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text


def raw_get(proxy, path: str) -> tuple[int, dict]:
    """A GET of ``path`` exactly as written: requests would normalise it."""
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path", ["/admin/../users", "/admin/..%2fusers", "/admin/%2e%2e/users", "//users"]
)
def test_a_path_allowed_only_once_normalised_is_refused(lua_waf, path):
    # nginx checks its normalised $uri ("/users") but passes the raw path on:
    # the service behind would see "/admin/../users".
    assert raw_get(lua_waf, path) == (
        400,
        {"status": 400, "message": "Path not in its plain form."},
    )


@pytest.mark.parametrize("path", ["/users?email=a%40example.com", "/users/1+2"])
def test_a_plain_path_passes_on(lua_waf, path):
    # Passed on to the service, whatever it answers.
    assert raw_get(lua_waf, path)[0] in (200, 404)


# "/users%0A": "/users" and a newline, which a "$" in a pattern would pass.
@pytest.mark.parametrize("path", ["/admin", "/usersx", "/", "/.env", "/users%0A"])
def test_a_path_not_allowed_is_refused(lua_waf, path):
    answer = requests.get(f"{lua_waf.url}{path}", timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {"status": 404, "message": "Not found."}
