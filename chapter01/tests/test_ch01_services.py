"""The six implementations, each started for real and queried over HTTP."""

import os
import signal
import socket
import subprocess

import pytest
import requests

from chapter01.machinery.benchmark import IMPLEMENTATIONS
from testkit.ports import free_port
from testkit.servers import ROOT, python_command

pytestmark = pytest.mark.integration


@pytest.fixture(params=IMPLEMENTATIONS)
def service(request, server_process):
    """One implementation, started as a reader would: ``python -m ...``."""
    server = server_process(python_command("-m", f"chapter01.{request.param}_service"))
    server.name = request.param
    return server


def test_api_answers_json_naming_the_server(service):
    response = requests.get(f"{service.url}/api", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"server", "time"}
    assert data["server"] == service.name
    assert data["time"].endswith("+00:00")
    # Every server says where it listens when it starts.
    assert f"{service.url}/api" in service.output()


def test_errors_are_json(service):
    missing = requests.get(f"{service.url}/nope", timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"status": 404, "message": "/nope not found; try GET /api"}

    posted = requests.post(f"{service.url}/api", timeout=5)
    assert posted.status_code == 405
    assert posted.json() == {"status": 405, "message": "POST not allowed on /api"}
    assert posted.headers["Allow"] == "GET"

    # A method some servers refuse before the application sees it (Tornado).
    traced = requests.request("TRACE", f"{service.url}/api", timeout=5)
    assert traced.status_code == 405
    assert traced.headers["Content-Type"] == "application/json"
    assert traced.json()["status"] == 405


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_a_taken_port_is_an_error_not_a_silent_hang(name):
    # Twisted reports a failed listen() to a Deferred: without an errback the
    # process would run on, serving nothing.
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        result = subprocess.run(
            python_command("-m", f"chapter01.{name}_service"),
            cwd=ROOT,
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "in use" in result.stderr  # and says why


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_stops_cleanly_on_sigterm_and_ctrl_c(service, signum):
    # A clean exit (status 0) is what lets atexit hooks, coverage among them,
    # write their data when a supervisor or a test stops the server.
    service.process.send_signal(signum)

    assert service.process.wait(timeout=10) == 0
    # Quietly: no traceback, no "KeyboardInterrupt" report from a hub or loop.
    assert "Interrupt" not in service.output()
    assert "Traceback" not in service.output()


def test_every_service_module_is_started_here_and_benchmarked():
    modules = {path.stem for path in (ROOT / "chapter01").glob("*_service.py")}
    assert modules == {
        "wsgi_service",
        "gevent_service",
        "twisted_service",
        "tornado_service",
        "aiohttp_service",
        "sanic_service",
    }
    assert modules == {f"{name}_service" for name in IMPLEMENTATIONS}
