"""System metrics: psutil figures as Prometheus gauges and as GELF messages."""

import os
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests
from prometheus_client import REGISTRY

from chapter04.dataservice import create_app, db
from chapter06 import system_metrics
from chapter06.machinery.gelf_receiver import GelfReceiver
from chapter06.system_metrics import SystemMetrics, sample
from testkit.fixtures import server_fixture
from testkit.servers import python_command
from testkit.waiting import wait_until

FIELDS = {"cpu_percent", "memory_rss_bytes", "open_files", "threads"}


@server_fixture
def gelf_input():
    """The chapter's GELF receiver, in-process: a server, so integration."""
    with GelfReceiver(echo=False) as receiver:
        yield receiver


def test_sample_reads_this_process():
    figures = sample()
    assert set(figures) == FIELDS
    assert figures["memory_rss_bytes"] == pytest.approx(
        psutil.Process().memory_info().rss, rel=0.5
    )
    assert figures["threads"] >= 1
    with open(__file__):  # one more open file, seen
        assert sample()["open_files"] == figures["open_files"] + 1


def test_report_sets_the_gauges():
    figures = SystemMetrics().report()
    assert REGISTRY.get_sample_value("worker_threads") == figures["threads"]
    assert (
        REGISTRY.get_sample_value("worker_memory_rss_bytes")
        == (figures["memory_rss_bytes"])
    )


def test_report_sends_a_gelf_message(gelf_input):
    reporter = SystemMetrics(gelf=("127.0.0.1", gelf_input.udp_port), service="test")
    try:
        figures = reporter.report()
    finally:
        reporter.stop()
    (message,) = gelf_input.wait_for(1)
    assert message["short_message"] == "system metrics"
    assert message["_service"] == "test"
    assert message["_pid"] == os.getpid()
    for name in FIELDS:
        assert message[f"_{name}"] == figures[name]


def test_reports_every_interval_until_stopped(gelf_input):
    reporter = SystemMetrics(interval=0.05, gelf=("127.0.0.1", gelf_input.udp_port))
    reporter.start()
    try:
        assert len(gelf_input.wait_for(3)) >= 3
    finally:
        reporter.stop()
    assert not reporter._thread.is_alive()


def test_the_app_reports_from_its_first_request_on(gelf_input):
    app = create_app("testing", GELF_PORT=gelf_input.udp_port)
    reporter = system_metrics.init_app(app)
    try:
        assert reporter.pid is None  # nothing runs before a request
        app.test_client().get("/users")
        assert reporter.pid == os.getpid()
        (message,) = gelf_input.wait_for(1)
        assert message["_service"] == app.name
    finally:
        reporter.stop()
        with app.app_context():
            db.engine.dispose()


def test_without_gelf_port_only_gauges():
    app = create_app("testing")
    reporter = system_metrics.init_app(app)
    assert reporter.handler is None
    with app.app_context():
        db.engine.dispose()


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def test_each_gunicorn_worker_sends_its_own_figures(
    server_process, gelf_input, tmp_path
):
    service = server_process(
        python_command("-m", "chapter06.metered_service"),
        env={
            "WEB_CONCURRENCY": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
            "FLASK_GELF_PORT": str(gelf_input.udp_port),
            "FLASK_SYSTEM_METRICS_INTERVAL": "0.2",
        },
    )
    # Each worker reports from its first request on; until both have (bounded).
    with ThreadPoolExecutor(max_workers=4) as pool:

        def both_reporting() -> set[int]:
            for response in pool.map(get, [f"{service.url}/users"] * 8):
                assert response.status_code == 200
            messages = gelf_input.search(short_message="system metrics")
            pids = {message["_pid"] for message in messages}
            return pids if len(pids) == 2 else set()

        pids = wait_until(both_reporting, interval=0, what="both workers reporting")
    assert service.process.pid not in pids  # the master serves no request
    # Then every 0.2 s, from each of them.
    for pid in pids:
        assert len(gelf_input.wait_for(3, _pid=str(pid))) >= 3
