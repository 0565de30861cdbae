"""Runnerly under Circus, for real: health, a killed process, a graceful
reload, circusctl, and nginx with chapter 7's WAF in front where it is
installed (chapter 9, "Running all microservices", "Process management")."""

import http.client
import json
import os
import re
import signal
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis
import requests

from chapter09.machinery.stack import FRONTED, WEB, CircusStack
from chapter09.tests.helpers import logged_in_runner
from testkit import services
from testkit.fixtures import server_fixture
from testkit.runnerly import wait_for_sync
from testkit.waiting import wait_until


@server_fixture(scope="module")
def c9_stack():
    with CircusStack(port_base=None) as stack:
        yield stack


@pytest.fixture
def fronted(c9_stack):
    """The stack, with nginx in front (skips, or fails under CI, without)."""
    if not c9_stack.nginx:
        services.missing(
            "nginx or its Lua module not found; install them with: "
            "sudo apt-get install nginx libnginx-mod-http-lua"
        )
    return c9_stack


def pids(stack, watcher) -> set[int]:
    listed = stack.circusctl("list", watcher).strip()
    return {int(pid) for pid in listed.split(",") if pid}


def test_every_health_answers_with_its_version(c9_stack):
    for service in WEB:
        health = requests.get(f"{c9_stack.url(service)}/health", timeout=5).json()
        assert health == {"status": "alive", "version": "1.0.0"}


def test_circusctl_status_and_stats(c9_stack):
    status = c9_stack.circusctl("status")
    for watcher in (*WEB, "stravaworker", "fakestrava"):
        assert f"{watcher}: active" in status
    stats = c9_stack.circusctl("stats", "dataservice")
    assert len(pids(c9_stack, "dataservice")) == 2
    for pid in pids(c9_stack, "dataservice"):
        assert f"{pid}:" in stats


def test_a_killed_process_comes_back(c9_stack):
    before = pids(c9_stack, "dashboard")
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(pids(c9_stack, "dashboard") - {victim}) == 2)
    for _ in range(10):  # whichever process answers
        response = requests.get(f"{c9_stack.url('dashboard')}/health", timeout=5)
        assert response.status_code == 200


def test_a_graceful_reload_loses_no_request(c9_stack):
    # The socket Circus keeps open, not nginx: this is Circus's reload, and
    # nginx's rate limit would refuse a loop of requests.
    url = f"{c9_stack.socket_url('dataservice')}/health"
    before = pids(c9_stack, "dataservice")
    answers, failures = [], []
    reloaded = threading.Event()

    def hammer():
        # Until the reload is over and a while after: at most 2000 requests.
        extra = 0
        for _ in range(2000):
            try:
                answers.append(requests.get(url, timeout=10).status_code)
            except requests.RequestException as error:
                failures.append(repr(error))
            if reloaded.is_set():
                extra += 1
                if extra >= 50:
                    return

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        # Requests are flowing before the reload.
        wait_until(lambda: len(answers) >= 20, interval=0.01, what="20 answers")
        c9_stack.circusctl("reload", "dataservice", "--waiting")
        wait_until(lambda: not (pids(c9_stack, "dataservice") & before))
    finally:
        reloaded.set()
        thread.join(timeout=120)
    assert failures == []
    assert set(answers) == {200}
    assert not pids(c9_stack, "dataservice") & before  # all new processes


def test_circusctl_restart_brings_a_service_back(c9_stack):
    before = pids(c9_stack, "tokendealer")
    c9_stack.circusctl("restart", "tokendealer", "--waiting")
    wait_until(lambda: len(pids(c9_stack, "tokendealer") - before) == 2)
    assert c9_stack.healthy("tokendealer")
    jwks = requests.get(
        f"{c9_stack.url('tokendealer')}/.well-known/jwks.json", timeout=5
    )
    assert jwks.json()["keys"]


def sign_in_and_sync(stack) -> dict:
    """Chapter 8's scenario, through the installed services under Circus: a
    runner logs in through the fake Strava and syncs; the sync's end state."""
    browser, token, csrf = logged_in_runner(stack)
    queued = browser.post(
        stack.url("dashboard") + "/api/sync", headers={"X-CSRFToken": csrf}
    )
    assert queued.status_code == 202, queued.text
    runner = {"Authorization": f"Bearer {token['access_token']}"}
    sync = f"{stack.url('dataservice')}/users/{token['user_id']}/sync"
    return wait_for_sync(sync, runner)


def test_a_runner_syncs_through_the_queue_folder(c9_stack):
    state = sign_in_and_sync(c9_stack)
    assert state["state"] == "done" and state["imported"] > 0, state
    if c9_stack.nginx:  # the browser's requests all went through nginx
        log = (c9_stack.folder / "logs" / "nginx-access.log").read_text()
        for request in ("GET /login", "GET /authorized", "POST /api/sync"):
            assert f'"{request}' in log
        assert re.search(r'"GET /users/\d+/sync ', log)


# nginx in front (where installed): the public ports are nginx's.


def test_nginx_fronts_the_services_a_browser_calls(fronted):
    assert "nginx: active" in fronted.circusctl("status")
    for service in FRONTED:
        public = requests.get(f"{fronted.url(service)}/health", timeout=5)
        assert public.json() == {"status": "alive", "version": "1.0.0"}
        assert public.headers["Server"] == "nginx"
        direct = requests.get(f"{fronted.socket_url(service)}/health", timeout=5)
        assert direct.json() == public.json()
        assert direct.headers["Server"] != "nginx"  # gunicorn


def test_the_dashboard_names_its_public_port(fronted):
    """nginx passes Host on: the redirect_uri the dashboard gives Strava
    (``url_for(..., _external=True)``) is nginx's port, not the socket's."""
    login = requests.get(
        f"{fronted.url('dashboard')}/login", allow_redirects=False, timeout=5
    )
    query = dict(parse_qsl(urlsplit(login.headers["Location"]).query))
    assert query["redirect_uri"] == f"{fronted.url('dashboard')}/authorized"


def test_cors_preflights_pass_through_nginx(fronted):
    dashboard = fronted.url("dashboard")
    preflight = requests.options(
        f"{fronted.url('dataservice')}/users/1/runs",
        headers={
            "Origin": dashboard,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
        timeout=5,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Server"] == "nginx"
    assert preflight.headers["Access-Control-Allow-Origin"] == dashboard
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_the_waf_refuses_what_its_rules_say(fronted):
    url = f"{fronted.url('dataservice')}/health"
    scanner = {"User-Agent": "sqlmap/1.7"}
    refused = requests.get(url, headers=scanner, timeout=5)
    assert refused.status_code == 403
    assert refused.json() == {"status": 403, "message": "Forbidden client."}
    # The service itself would have answered: the refusal is nginx's.
    direct = f"{fronted.socket_url('dataservice')}/health"
    assert requests.get(direct, headers=scanner, timeout=5).status_code == 200
    # Each service's own paths: the dashboard's /login is no data service path.
    elsewhere = requests.get(f"{fronted.url('dataservice')}/login", timeout=5)
    assert elsewhere.status_code == 404
    assert elsewhere.json() == {"status": 404, "message": "Not found."}


def test_a_burst_beyond_the_rate_limit_gets_a_429(fronted):
    """Requests one after the other, as fast as loopback goes: beyond the
    burst, nginx refuses (at most 500 requests). From 127.0.0.2: the limit
    is per client address, so the burst spends a budget of its own, and the
    other tests, from 127.0.0.1, may run before or after it."""
    url = urlsplit(f"{fronted.url('dataservice')}/health")
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=5, source_address=("127.0.0.2", 0)
    )

    def get():
        connection.request("GET", url.path)
        response = connection.getresponse()
        return response.status, response.getheader("Retry-After"), response.read()

    try:
        for _ in range(500):
            status, retry_after, body = get()
            if status != 200:
                break
        assert status == 429
        assert json.loads(body) == {"status": 429, "message": "Too many requests."}
        assert int(retry_after) >= 1
        # 127.0.0.1's budget is untouched; 127.0.0.2's bucket leaks: a
        # request is served again, soon.
        assert requests.get(url.geturl(), timeout=5).status_code == 200
        wait_until(lambda: get()[0] == 200, timeout=10)
    finally:
        connection.close()


@pytest.mark.integration
def test_with_celery_broker_url_the_stack_uses_that_broker(redis_url, monkeypatch):
    """Without nginx, too: the services serve their public ports themselves."""
    monkeypatch.setenv("CELERY_BROKER_URL", redis_url)
    with CircusStack(port_base=None, nginx=False) as stack:
        assert "services served directly" in stack.banner()
        assert "nginx" not in stack.circusctl("status")
        assert stack.socket_url("dashboard") == stack.url("dashboard")
        state = sign_in_and_sync(stack)
    assert state["state"] == "done" and state["imported"] > 0, state
    # The task went through Redis: Celery's queue binding is there.
    with redis.Redis.from_url(redis_url) as client:
        assert client.exists("_kombu.binding.celery")
