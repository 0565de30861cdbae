"""Book: chapter 10, "The full stack - OpenResty, Circus and Flask": one
image with nginx, Circus and the data service, built and run.

It runs with no network but its own loopback (``--network none``): its
ports are fixed (nginx 8000, the service's socket 8001, Circus's 5555 and
5556), so it is asked from inside, as its health check asks.
"""

import json
import os

import pytest

ASK = (
    "import json, urllib.request; "
    "print(urllib.request.urlopen('http://127.0.0.1:8000/health').read().decode())"
)


@pytest.fixture
def fullstack(podman, fullstack_image, run_container):
    container = run_container(
        fullstack_image,
        network="none",
        # Its own network: the fixed port is free there, whatever the host's.
        port=8000,
        name=f"runnerly-fullstack-{os.getpid()}",
        env={"FLASK_SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/runnerly.db"},
    )
    container.wait_until(container.healthcheck)
    return container


def test_nginx_circus_and_the_service_answer_together(fullstack):
    health = json.loads(fullstack.exec("python3", "-c", ASK))
    assert health["status"] == "alive" and health["version"] == "1.0.0"


def test_circus_runs_nginx_and_two_service_processes(fullstack):
    def circusctl(*args: str) -> str:
        return fullstack.exec("circusctl", "--endpoint", "tcp://127.0.0.1:5555", *args)

    assert circusctl("status").split() == ["dataservice:", "active", "nginx:", "active"]
    assert circusctl("numprocesses", "dataservice").strip() == "2"
    # PID 1 is Circus: the container lives as long as it does.
    assert "circusd" in fullstack.exec("cat", "/proc/1/cmdline")


def test_circus_as_pid_1_stops_everything_on_sigterm(podman, fullstack):
    assert fullstack.stop(timeout=10) < 5
    assert podman.inspect(fullstack.name, "container")["State"]["ExitCode"] == 0
