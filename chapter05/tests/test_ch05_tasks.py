"""Celery: eager mode for unit tests, then a real worker on a real Redis."""

import pytest
import requests
import requests_mock

from chapter05 import tasks_worker
from chapter05.tasks_producer import create_app
from chapter05.tasks_worker import (
    backoff,
    celery_app,
    compute_stats,
    dead_letters,
    fetch_stats,
)
from testkit.ports import free_port
from testkit.servers import ServerProcess, python_command
from testkit.waiting import wait_until

EAGER = {
    "task_always_eager": True,
    "task_eager_propagates": False,
    "task_store_eager_result": True,
    "broker_url": "memory://",
    "result_backend": "cache+memory://",
    "runnerly_retry_backoff": 0.0,
    "runnerly_max_retries": 2,
}


@pytest.fixture
def eager():
    """Tasks run inline in the test: no broker, no worker."""
    saved = {key: celery_app.conf[key] for key in EAGER}
    celery_app.conf.update(EAGER)
    tasks_worker.LOCAL_DEAD_LETTERS.clear()
    yield
    celery_app.conf.update(saved)
    tasks_worker.LOCAL_DEAD_LETTERS.clear()


@pytest.fixture
def client(eager):
    return create_app().test_client()


RUNS = [{"distance": 10000, "duration": 3000}]


def test_compute_stats_is_a_plain_function_too():
    assert compute_stats("tarek", RUNS)["pace"] == 300.0


def test_fetch_stats_retries_then_succeeds(eager):
    with requests_mock.Mocker() as peer:
        peer.get(
            "http://runs.test/tarek",
            [
                {"status_code": 503},
                {"exc": requests.ConnectTimeout},
                {"json": {"runs": RUNS}},
            ],
        )
        result = fetch_stats.delay("tarek", "http://runs.test/tarek")
        assert result.state == "SUCCESS"
        assert result.get()["distance"] == 10000
        assert peer.call_count == 3
    assert dead_letters() == []


def test_fetch_stats_fails_for_good_into_dead_letters(eager):
    with requests_mock.Mocker() as peer:
        peer.get("http://runs.test/tarek", status_code=503)
        result = fetch_stats.delay("tarek", "http://runs.test/tarek")
        assert peer.call_count == 3  # the first try and max_retries=2 retries
    assert result.state == "FAILURE"
    assert isinstance(result.result, tasks_worker.PeerUnavailable)
    [letter] = dead_letters()
    assert letter["task"] == "runnerly.fetch_stats"
    assert letter["id"] == result.id
    assert letter["args"] == ["tarek", "http://runs.test/tarek"]
    assert letter["error"].startswith("PeerUnavailable")


def test_a_client_error_is_not_retried(eager):
    with requests_mock.Mocker() as peer:
        peer.get("http://runs.test/nobody", status_code=404)
        result = fetch_stats.delay("nobody", "http://runs.test/nobody")
        assert peer.call_count == 1
    assert result.state == "FAILURE"
    assert dead_letters()[0]["error"].startswith("HTTPError")


def test_producer_answers_202_then_the_result(client):
    response = client.post("/api/runners/tarek/stats", json={"runs": RUNS})
    assert response.status_code == 202
    assert response.headers["Location"] == response.json["status_url"]
    status = client.get(response.json["status_url"]).json
    assert status["state"] == "SUCCESS"
    assert status["result"]["runner"] == "tarek"


def test_producer_defaults_to_sample_runs(client):
    response = client.post("/api/runners/sarah/stats")
    assert client.get(response.json["status_url"]).json["result"]["runs"] == 3


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/runners/tarek/stats", {"runs": "many"}),
        ("/api/runners/tarek/stats", {"runs": [{"distance": 1}]}),
        ("/api/runners/tarek/import", {"url": "ftp://runs.test"}),
        ("/api/runners/tarek/import", {}),
        ("/api/runners/tarek/stats", [1, 2]),
        ("/api/runners/tarek/import", "http://runs.test"),
    ],
)
def test_producer_rejects_bad_input(client, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert response.json["message"]


def test_producer_reports_failures_and_dead_letters(client):
    with requests_mock.Mocker() as peer:
        peer.get("http://runs.test/tarek", status_code=502)
        response = client.post(
            "/api/runners/tarek/import", json={"url": "http://runs.test/tarek"}
        )
    status = client.get(response.json["status_url"]).json
    assert status["state"] == "FAILURE"
    assert status["error"].startswith("PeerUnavailable")
    letters = client.get("/api/dead-letters").json["dead_letters"]
    assert [letter["id"] for letter in letters] == [response.json["task"]]


def test_unknown_task_is_pending(client):
    assert client.get("/api/tasks/no-such-id").json["state"] == "PENDING"


# The same, for real: Redis as broker and result store, a worker process.


@pytest.fixture
def worker(redis_url):
    env = {
        "CELERY_BROKER_URL": redis_url,
        "RUNNERLY_RETRY_BACKOFF": "0.1",
        "RUNNERLY_MAX_RETRIES": "2",
    }
    command = python_command(
        "-m", "celery", "-A", "chapter05.tasks_worker", "worker",
        "--pool", "solo", "--loglevel", "info",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    )  # fmt: skip
    # Not a server: launch() without waiting for a port; stop() ends the group.
    process = ServerProcess(command, env=env)
    process.launch()
    yield env
    process.stop()


def wait_for_state(url: str, states: set[str], timeout: float = 60) -> dict:
    def status() -> dict:
        return requests.get(url, timeout=5).json()

    def reached() -> dict | None:
        answer = status()
        return answer if answer["state"] in states else None

    return wait_until(reached, timeout, 0.2, what=lambda: f"{states}, not {status()}")


@pytest.mark.integration
def test_real_worker_on_real_redis(worker, server_process):
    producer = server_process(
        python_command("-m", "chapter05.tasks_producer"), env=worker
    )
    response = requests.post(
        f"{producer.url}/api/runners/tarek/stats", json={"runs": RUNS}, timeout=5
    )
    assert response.status_code == 202
    status = wait_for_state(producer.url + response.json()["status_url"], {"SUCCESS"})
    assert status["result"] == compute_stats("tarek", RUNS)

    # A peer that is down: retried twice with backoff, then dead.
    down = f"http://127.0.0.1:{free_port()}/runs/tarek"
    response = requests.post(
        f"{producer.url}/api/runners/tarek/import", json={"url": down}, timeout=5
    )
    status = wait_for_state(producer.url + response.json()["status_url"], {"FAILURE"})
    assert status["state"] == "FAILURE"
    assert status["error"].startswith("ConnectionError")
    letters = requests.get(f"{producer.url}/api/dead-letters", timeout=5).json()
    assert [letter["args"] for letter in letters["dead_letters"]] == [["tarek", down]]


def test_retries_back_off_exponentially():
    assert [backoff(1.0, retries) for retries in range(4)] == [1, 2, 4, 8]
    assert backoff(0.5, 3) == 4
