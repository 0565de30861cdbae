"""The worker as it runs: ``python -m chapter08.stravaworker``, a real broker
(book: chapter 8, "Bringing It All Together").

Fake Strava and TokenDealer are processes, the stand-in data service a live
server; the test process plays the dashboard: it queues ``runnerly.sync_user``
by name with ``send_task``, importing nothing of the worker.
"""

import signal
from pathlib import Path

import pytest
from celery import Celery

from chapter08.stravaworker import SYNC_USER
from chapter08.stravaworker.broker import make_folders
from chapter08.tests.fixtures_worker import Failure, Hold

pytestmark = pytest.mark.integration


def sender(broker_url: str, **options) -> Celery:
    """What the dashboard does: a Celery app that only sends, by task name."""
    app = Celery("dashboard", set_as_current=False)
    app.conf.update(broker_url=broker_url, **options)
    return app


def filesystem_sender(queue: Path) -> Celery:
    """The dashboard's side, from the layout chapter08/stravaworker/broker.py
    documents: the folder for both directions, control/ for the routes."""
    return sender(
        "filesystem://",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(queue / "control"),
        },
    )


def sync_and_check(stack, app: Celery, worker, user_id: int = 1) -> None:
    app.send_task(SYNC_USER, args=[user_id])
    stack.wait_for(lambda: stack.data.sync[user_id]["state"] == "done", worker)
    runs = {run["strava_id"] for run in stack.data.runs_of(user_id)}
    assert runs == stack.strava_run_ids(user_id)
    assert stack.data.sync[user_id]["imported"] == len(runs)


def test_filesystem_queue_between_two_processes(worker_stack, tmp_path):
    queue = tmp_path / "queue"
    tokens = worker_stack.connect(1, athlete_id=1, expired=True)
    worker = worker_stack.start_worker(worker_stack.worker_env(queue))
    app = filesystem_sender(queue)
    worker_stack.wait_for(lambda: (queue / "control").is_dir(), worker)
    sync_and_check(worker_stack, app, worker)
    # The token expired: refreshed at Strava and stored back.
    assert worker_stack.data.tokens[1]["access_token"] != tokens["access_token"]
    assert "runnerly.sync_user" in worker.output()
    app.close()


def test_redis_broker_and_a_failing_data_service(worker_stack, tmp_path, redis_url):
    worker_stack.connect(1, athlete_id=2)
    worker_stack.data.failures.append(Failure("POST", "/runs/import", 503))
    env = worker_stack.worker_env(
        tmp_path / "queue", redis_url, WORKER_RETRY_BACKOFF="0.2"
    )
    worker = worker_stack.start_worker(env)
    app = sender(redis_url)
    sync_and_check(worker_stack, app, worker)
    assert not worker_stack.data.failures  # it failed once, then was retried
    assert "retry 1 in 0.2 s" in worker.output()
    app.close()


def test_rabbitmq_broker(worker_stack, tmp_path, rabbitmq_url):
    worker_stack.connect(1, athlete_id=3, expired=True)
    app = sender(rabbitmq_url)
    app.control.purge()  # the shared RabbitMQ may hold other tests' messages
    worker = worker_stack.start_worker(
        worker_stack.worker_env(tmp_path / "queue", rabbitmq_url)
    )
    sync_and_check(worker_stack, app, worker)
    app.close()
    # SIGTERM: a warm shutdown, promptly (ServerProcess would SIGKILL at 10 s).
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=9) == 0, worker.output()


def test_embedded_beat_syncs_every_connected_runner(worker_stack, tmp_path):
    worker_stack.connect(1, athlete_id=1)
    worker_stack.connect(2, athlete_id=2)
    worker_stack.data.add_user(3)  # not connected to Strava
    env = worker_stack.worker_env(tmp_path / "queue", SYNC_EVERY_SECONDS="1")
    worker = worker_stack.start_worker(env)  # and nobody sends anything
    data = worker_stack.data
    worker_stack.wait_for(
        lambda: data.sync[1]["state"] == data.sync[2]["state"] == "done", worker
    )
    assert data.sync[3]["state"] == "idle"
    for user_id in (1, 2):
        runs = {run["strava_id"] for run in data.runs_of(user_id)}
        assert runs == worker_stack.strava_run_ids(user_id)


@pytest.mark.parametrize("broker", ["filesystem", "redis", "rabbitmq"])
def test_a_sync_whose_worker_is_killed_is_finished_by_the_next(
    worker_stack, tmp_path, request, broker
):
    """kill -9 mid-sync, then a new worker: the sync ends, each run stored once.

    The dead worker's message is gone from the filesystem queue (kombu
    deleted it as it read it) and, for an hour, from Redis (its visibility
    timeout): the new worker's resume_stale finds the silent sync. RabbitMQ
    hands the message to the new worker: it finds the sync "running" and
    carries on. Either way, the count is this sync's, every run new."""
    stack, queue = worker_stack, tmp_path / "queue"
    stack.connect(1, athlete_id=1)
    expected = stack.strava_run_ids(1)
    if broker == "filesystem":
        url, app = None, filesystem_sender(queue)
        make_folders(str(queue))
    else:
        url = request.getfixturevalue(f"{broker}_url")
        app = sender(url)
        app.control.purge()  # a shared RabbitMQ may hold other tests' messages
    # Ten activities a page, and the second page's import waits for the
    # kill: the worker dies mid-sync, one page stored, every time.
    hold = Hold("POST", "/runs/import", skip=1)
    stack.data.holds.append(hold)
    env = stack.worker_env(queue, url, STRAVA_PER_PAGE="10", WORKER_STALE_AFTER="2")
    first = stack.start_worker(env)
    app.send_task(SYNC_USER, args=[1])
    stack.wait_for(hold.arrived.is_set, first)
    stored = {run["strava_id"] for run in stack.data.runs_of(1)}
    assert 0 < len(stored) < len(expected)
    # The heartbeat after the first page said how far it got.
    assert stack.data.sync[1] == {
        "state": "running",
        "imported": len(stored),
        "message": None,
    }

    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    hold.released.set()  # its import fails: nobody is there to hear it
    second = stack.start_worker(env)
    stack.wait_for(lambda: stack.data.sync[1]["state"] == "done", second)
    runs = [run["strava_id"] for run in stack.data.runs_of(1)]
    assert sorted(runs) == sorted(expected)
    assert stack.data.sync[1] == {
        "state": "done",
        "imported": len(expected),
        "message": f"{len(expected)} new run(s), 0 already there.",
    }
    app.close()
