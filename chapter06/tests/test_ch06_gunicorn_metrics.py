"""``/metrics`` under gunicorn with 2 workers: every worker's requests count."""

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from testkit.prometheus import promtool
from testkit.waiting import wait_until

USERS = {"route": "/users", "method": "GET", "status": "200"}


def per_worker(metrics_dir, tmp_path) -> dict[str, float]:
    """``GET /users`` answered by each worker, read from its own file alone."""
    counts = {}
    for counter_file in metrics_dir.glob("counter_*.db"):
        pid = counter_file.stem.removeprefix("counter_")
        alone = tmp_path / f"worker-{pid}"
        alone.mkdir(exist_ok=True)
        shutil.copy(counter_file, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[pid] = registry.get_sample_value("http_requests_total", USERS) or 0.0
    return {pid: count for pid, count in counts.items() if count}


def scraped_total(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    line = 'http_requests_total{method="GET",route="/users",status="200"} '
    match = re.search(rf"^{re.escape(line)}(\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def get_users(url: str) -> None:
    # A new connection each time: the kernel hands it to either worker.
    assert requests.get(f"{url}/users", timeout=10).status_code == 200


def test_requests_spread_over_workers_all_counted(metered_service, tmp_path):
    url = metered_service.url
    sent = 0
    # Concurrent requests: while one worker answers, the other takes the
    # next. Until both have answered some (bounded).
    with ThreadPoolExecutor(max_workers=4) as pool:

        def both_answered() -> bool:
            nonlocal sent
            if len(per_worker(metered_service.metrics_dir, tmp_path)) >= 2:
                return True
            list(pool.map(get_users, [url] * 20))
            sent += 20
            return False

        wait_until(both_answered, interval=0, what="both workers answering")
    workers = per_worker(metered_service.metrics_dir, tmp_path)
    assert len(workers) == 2
    assert sum(workers.values()) == sent
    # Whichever worker answers the scrape, it shows the sum of both.
    assert scraped_total(url) == sent
    assert scraped_total(url) == sent


def test_one_series_per_live_worker_for_system_gauges(metered_service):
    # Both workers report themselves once they have served a request; the
    # master (which serves none) does not appear.
    def reporting() -> set[str]:
        get_users(metered_service.url)
        text = requests.get(f"{metered_service.url}/metrics", timeout=10).text
        pids = set(re.findall(r'^worker_threads\{pid="(\d+)"\}', text, re.MULTILINE))
        return pids if len(pids) == 2 else set()

    pids = wait_until(reporting, interval=0, what="two workers' series")
    assert str(metered_service.process.pid) not in pids


def test_each_worker_reports_its_own_figures_not_the_masters(metered_service):
    # The reporter is made in the master, before gunicorn forks (preload_app):
    # each worker must measure itself. A worker runs the reporter's thread
    # too, so it has two threads at least; the master, one.
    def reported() -> dict[str, dict[str, float]]:
        get_users(metered_service.url)
        text = requests.get(f"{metered_service.url}/metrics", timeout=10).text
        series: dict[str, dict[str, float]] = {}
        for name, pid, value in re.findall(
            r'^worker_(threads|memory_rss_bytes)\{pid="(\d+)"\} (\S+)$', text, re.M
        ):
            series.setdefault(pid, {})[name] = float(value)
        return series if len(series) == 2 else {}

    series = wait_until(reported, interval=0, what="two workers' figures")
    for pid, figures in series.items():
        worker = psutil.Process(int(pid))
        assert worker.ppid() == metered_service.process.pid  # a worker, alive
        assert figures["threads"] >= 2
        rss = worker.memory_info().rss
        assert figures["memory_rss_bytes"] == pytest.approx(rss, rel=0.25)


def test_promtool_accepts_the_combined_output(metered_service):
    get_users(metered_service.url)
    requests.get(f"{metered_service.url}/users/12", timeout=10)
    text = requests.get(f"{metered_service.url}/metrics", timeout=10).text
    assert "http_request_duration_seconds_bucket" in text
    result = promtool("check", "metrics", input=text)
    assert result.returncode == 0, result.stdout + result.stderr
