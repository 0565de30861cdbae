"""Chapter 6 fixtures: the measured service under gunicorn, a real Prometheus."""

import pytest

from testkit import prometheus as prometheus_kit
from testkit.fixtures import server_fixture
from testkit.servers import ServerProcess, python_command


@server_fixture
def metered_service(tmp_path):
    """``python -m chapter06.metered_service`` with 2 gunicorn workers; its
    ``metrics_dir`` is the folder where the workers write their figures."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    server = ServerProcess(
        python_command("-m", "chapter06.metered_service"),
        env={"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )
    server.metrics_dir = metrics_dir
    with server:
        yield server


@server_fixture
def prometheus(tmp_path):
    """Start a real Prometheus: ``prometheus({"job": ["127.0.0.1:port"]})``,
    optionally with ``rule_files=[...]``; query it with ``.query(...)``."""
    started: list[prometheus_kit.PrometheusProcess] = []

    def run(targets: dict[str, list[str]], rule_files=()):
        workdir = tmp_path / f"prometheus{len(started)}"
        workdir.mkdir()
        server = prometheus_kit.prometheus_server(workdir, targets, rule_files)
        started.append(server.start())
        return server

    yield run
    for server in started:
        server.stop()


@pytest.fixture
def logged_service(server_process):
    """``logged_service({"FLASK_...": ...})``: ``python -m
    chapter06.logged_service`` with those settings, stopped after the test."""

    def start(env: dict[str, str]) -> ServerProcess:
        return server_process(python_command("-m", "chapter06.logged_service"), env=env)

    return start
