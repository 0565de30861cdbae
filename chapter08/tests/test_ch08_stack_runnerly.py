"""The real stack: ``chapter08.machinery.stack.Stack`` and ``python -m chapter08``
start the five services, wired to each other by environment only."""

import re
import signal
from pathlib import Path

import psutil
import pytest
import requests

from chapter08.machinery.stack import (
    DASHBOARD_CLIENT,
    WORKER_CLIENT,
    Stack,
    port_is_open,
)
from testkit.ports import free_port_base
from testkit.runnerly import log_in, wait_for_sync
from testkit.servers import ServerProcess, python_command


def test_each_web_service_answers_its_health_check(stack_runnerly):
    urls = stack_runnerly.urls
    assert set(urls) == {"fakestrava", "tokendealer", "dataservice", "dashboard"}
    for name in ("tokendealer", "dataservice", "dashboard"):
        response = requests.get(urls[name] + "/health", timeout=5)
        assert response.json() == {"status": "alive"}, name
    # The fake plays Strava, which has no health check: its API answers.
    athlete = requests.get(urls["fakestrava"] + "/api/v3/athlete", timeout=5)
    assert athlete.json()["message"] == "Authorization Error"


def test_the_dashboard_page_loads(stack_runnerly):
    response = requests.get(stack_runnerly.urls["dashboard"] + "/", timeout=5)
    assert response.status_code == 200
    assert "Log in with Strava" in response.text


def test_the_secrets_are_in_no_file_of_the_state_folder(stack_runnerly):
    state = stack_runnerly.state_dir
    assert {path.name for path in state.iterdir()} >= {"keys", "runnerly.db"}
    stored = b"".join(p.read_bytes() for p in state.rglob("*") if p.is_file())
    for secret in stack_runnerly.secrets.values():
        assert secret.encode() not in stored


def test_a_runner_logs_in_syncs_and_reads_their_runs(stack_runnerly):
    """Every wire of the stack: the dashboard's Strava settings and client
    secret (token exchange), the data service's issuer and CORS origin, the
    queue both the dashboard and the worker use, the worker's secrets."""
    stack, dashboard = stack_runnerly, stack_runnerly.urls["dashboard"]
    browser = requests.Session()
    log_in(stack.urls, browser)
    token = browser.get(dashboard + "/api/token", timeout=10).json()
    assert token["data_service"] == stack.urls["dataservice"]
    user = token["user_id"]
    runner = {"Authorization": f"Bearer {token['access_token']}", "Origin": dashboard}
    page = browser.get(dashboard + "/", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    queued = browser.post(dashboard + "/api/sync", headers={"X-CSRFToken": csrf})
    assert queued.status_code in (200, 202), queued.text
    user_url = f"{stack.urls['dataservice']}/users/{user}"
    state = wait_for_sync(user_url + "/sync", runner)
    assert state["state"] == "done", state
    runs = requests.get(user_url + "/runs", headers=runner, timeout=5)
    assert runs.headers["Access-Control-Allow-Origin"] == dashboard
    assert len(runs.json()) == state["imported"] > 0
    other = requests.get(f"{user_url}9/runs", headers=runner, timeout=5)
    assert other.status_code == 403


def test_the_worker_and_the_page_call_a_sync_stuck_after_the_same_time(tmp_path):
    stack = Stack(port_base=None, environ={"WORKER_STALE_AFTER": "30"})
    stack.state_dir = tmp_path  # what start() sets, before it starts them
    env = {service.name: service.env for service in stack.runnerly_services()}
    # The worker reads WORKER_STALE_AFTER from the environment it inherits.
    assert env["dashboard"]["FLASK_SYNC_STALE_AFTER"] == "30"


def test_the_worker_secret_is_this_runs(stack_runnerly):
    dealer = stack_runnerly.urls["tokendealer"] + "/oauth/token"
    form = {"grant_type": "client_credentials"}
    for client_id in (WORKER_CLIENT, DASHBOARD_CLIENT):
        auth = (client_id, stack_runnerly.secrets[client_id])
        assert requests.post(dealer, data=form, auth=auth, timeout=5).ok
    wrong = requests.post(dealer, data=form, auth=(WORKER_CLIENT, "x"), timeout=5)
    assert wrong.status_code == 401


@pytest.mark.integration
def test_python_m_chapter08_starts_all_and_sigterm_leaves_nothing():
    base = free_port_base()
    server = ServerProcess(python_command("-m", "chapter08", "--port-base", str(base)))
    process = server.launch()
    try:
        lines = server.wait_for_output("Ctrl-C stops everything.", 60).splitlines()
        dashboard = f"http://127.0.0.1:{base + 2}"
        assert f"Runnerly is up: open {dashboard}" in lines
        assert requests.get(dashboard + "/health", timeout=5).ok
        (state,) = [line.split()[2] for line in lines if "state folder" in line]
        services = psutil.Process(process.pid).children(recursive=True)
        assert len(services) >= 5
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        server.stop()
    gone, alive = psutil.wait_procs(services, timeout=10)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    assert not any(port_is_open(base + n) for n in range(1, 5))
    assert not Path(state).exists()
