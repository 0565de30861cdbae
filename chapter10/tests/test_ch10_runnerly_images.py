"""Book: chapter 10, "Running Flask in Docker": Runnerly's images.

Each service's image is built from chapter 09's wheel, then run alone,
read-only, on a free loopback port: its ``/health`` answers with the version
the wheel says, it runs as a user, with no compiler nor pip, on a root
filesystem it cannot write, stops within seconds of SIGTERM, and no layer
holds a key. The worker's image, which serves no port, the same way.
"""

import json
import urllib.request

import pytest

from testkit.waiting import wait_until

RUN_AS = "10001"
# What each service needs to start alone (no other service is asked for
# /health): its database or key folder on the tmpfs, a secret key.
SETTINGS = {
    "dataservice": {
        "FLASK_SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/runnerly.db",
        "FLASK_TOKEN_ISSUER": "http://127.0.0.1:9",
    },
    "tokendealer": {
        "FLASK_KEY_DIR": "/tmp/keys",
        "FLASK_CLIENTS_FILE": "/tmp/clients.json",
        "FLASK_ISSUER": "http://127.0.0.1:9",
    },
    "dashboard": {
        "FLASK_SECRET_KEY": "only-for-this-test",
        "FLASK_CLIENT_SECRET": "only-for-this-test",
        "FLASK_TOKEN_ISSUER": "http://127.0.0.1:9",
        "FLASK_DATA_SERVICE_URL": "http://127.0.0.1:9",
    },
}
WEB_SERVICES = sorted(SETTINGS)


def start(run_container, image, service):
    from testkit.ports import free_port

    port = free_port()
    container = run_container(
        image,
        "serve", f"--bind=127.0.0.1:{port}",
        port=port,
        env=SETTINGS[service],
    )  # fmt: skip
    container.wait_for("/health")
    return container


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_the_service_runs_from_its_image(
    podman, runnerly_image, run_container, service
):
    image = runnerly_image(service)
    container = start(run_container, image, service)
    with urllib.request.urlopen(container.url + "/health") as answer:
        assert json.load(answer)["version"] == "1.0.0"
    assert container.healthcheck()
    assert podman.inspect(image)["Config"]["User"] == RUN_AS
    assert_locked_down(container)
    # gunicorn, PID 1, handles SIGTERM: gone well before the 10 s grace.
    assert container.stop(timeout=10) < 5
    assert podman.inspect(container.name, "container")["State"]["ExitCode"] == 0


def assert_locked_down(container) -> None:
    """A user, no compiler nor pip, a root filesystem it cannot write."""
    assert container.exec("id", "-u").strip() == RUN_AS
    tools = container.exec(
        "python3", "-c",
        "import shutil; print([shutil.which(t) for t in ('gcc', 'cc', 'pip', 'pip3')])",
    )  # fmt: skip
    assert tools.strip() == "[None, None, None, None]"
    write = container.podman.run("exec", container.name, "touch", "/opt/x", check=False)
    assert "Read-only file system" in write.stderr


def test_the_worker_runs_from_its_image(podman, runnerly_image, run_container):
    """No port: ready when Celery says so, on its queue folder in /tmp."""
    container = run_container(
        runnerly_image("stravaworker"),
        env={
            "RUNNERLY_QUEUE_DIR": "/tmp/queue",
            "DATA_SERVICE_URL": "http://127.0.0.1:9",
        },
    )
    wait_until(lambda: " ready." in container.logs(), 30, 0.2, what=container.logs)
    assert_locked_down(container)
    # Celery's warm shutdown on SIGTERM, the task under way (none) first.
    assert container.stop(timeout=10) < 10
    assert podman.inspect(container.name, "container")["State"]["ExitCode"] == 0


# Builds and reads images, starts no container.
@pytest.mark.slow
@pytest.mark.parametrize("service", [*WEB_SERVICES, "stravaworker"])
def test_no_key_or_local_settings_in_any_layer(
    podman, base_image, runnerly_image, service
):
    assert podman.secrets_in(runnerly_image(service), skip_base=base_image) == []
