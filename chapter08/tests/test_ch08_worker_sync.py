"""The Strava worker's sync, task by task, in-process (book: chapter 8,
"Getting the Strava token", "Interacting with Data Service").

Fake Strava, TokenDealer and a stand-in data service are Flask apps answered
through ``requests`` by host name; Celery runs the tasks eagerly (a retry
runs at once). Nothing is started.
"""

import pytest
from celery.exceptions import Retry
from flask import Flask

from chapter08.stravaworker import SYNC_ALL, SYNC_USER, Settings, create_celery, sync
from chapter08.tests.fixtures_worker import Failure, connect_in_process


def strava_runs(strava, athlete_id: int) -> set[int]:
    fake = strava.extensions["fakestrava"]
    return {a["id"] for a in fake.activities(athlete_id) if a["type"] == "Run"}


def run(app, user_id: int) -> dict:
    """sync_user, eagerly, retries included; what it returned (or raise)."""
    return app.tasks[SYNC_USER].apply(args=[user_id]).get()


@pytest.fixture
def runner(worker_strava, worker_data):
    """User 1 of the data service is Strava's athlete 1, token valid."""
    worker_data.add_user(1, connect_in_process(worker_strava, 1))
    return 1


def test_sync_imports_every_run_once(worker_celery, worker_strava, worker_data, runner):
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert set(worker_data.runs) == expected
    assert all(run["strava_id"] in expected for run in worker_data.runs_of(1))
    assert worker_data.states == [(1, "running"), (1, "done")]
    assert worker_data.sync[1]["imported"] == len(expected)

    run(worker_celery, runner)  # again: nothing new
    assert set(worker_data.runs) == expected
    assert worker_data.sync[1] == {
        "state": "done",
        "imported": 0,
        "message": f"0 new run(s), {len(expected)} already there.",
    }


def test_rides_and_swims_are_not_imported(worker_celery, worker_strava, worker_data):
    fake = worker_strava.extensions["fakestrava"]
    kinds = {activity["type"] for activity in fake.activities(1)}
    assert kinds - {"Run"}, "the seed should mix activity types"
    worker_data.add_user(1, connect_in_process(worker_strava, 1))
    run(worker_celery, 1)
    assert worker_data.runs and len(worker_data.runs) < len(fake.activities(1))


def test_pages_through_activities(worker_celery, worker_http, runner):
    run(worker_celery, runner)
    pages = [
        path
        for host, _, path in worker_http.requests
        if path == "/api/v3/athlete/activities"
    ]
    # 60 activities, 20 a page: three full pages, then the empty fourth.
    assert len(pages) == 4


def test_posts_runs_in_batches(
    worker_celery, worker_strava, worker_data, runner, monkeypatch
):
    monkeypatch.setattr(sync, "BATCH", 7)
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert set(worker_data.runs) == expected
    assert worker_data.imports == -(-len(expected) // 7)  # ceiling


def test_expiring_token_is_refreshed_and_stored_back(
    worker_celery, worker_strava, worker_data, worker_clock
):
    tokens = connect_in_process(worker_strava, 1)
    # Valid for 30 s more: too little for an import, refreshed first.
    worker_data.add_user(1, {**tokens, "expires_at": int(worker_clock()) + 30})
    run(worker_celery, 1)
    stored = worker_data.tokens[1]
    assert stored["access_token"] != tokens["access_token"]
    assert stored["refresh_token"] == tokens["refresh_token"]
    assert stored["expires_at"] == int(worker_clock()) + 21600
    assert worker_data.sync[1]["state"] == "done"


def test_token_refused_midway_is_refreshed_once(
    worker_celery, worker_strava, worker_data, runner
):
    before = worker_data.tokens[runner]["access_token"]
    worker_strava.extensions["fakestrava"].expire_tokens()  # the store does not know
    run(worker_celery, runner)
    assert worker_data.tokens[runner]["access_token"] != before
    assert set(worker_data.runs) == strava_runs(worker_strava, 1)


def test_revoked_access_fails_with_a_message(
    worker_celery, worker_strava, worker_data, runner
):
    fake = worker_strava.extensions["fakestrava"]
    fake.deauthorize(worker_data.tokens[runner]["access_token"])
    run(worker_celery, runner)
    assert worker_data.states == [(1, "running"), (1, "failed")]
    assert "log in with Strava again" in worker_data.sync[1]["message"]


def test_rate_limit_retries_when_the_window_reopens(
    worker_celery, worker_strava, worker_data, worker_clock, runner, monkeypatch
):
    fake = worker_strava.extensions["fakestrava"]
    # Four requests a window; two spent already: two pages, then 429.
    fake.rate_limit = (4, 1000)
    fake.reset_usage()
    for _ in range(2):
        worker_strava.test_client().get("/api/v3/athlete")
    task = worker_celery.tasks[SYNC_USER]
    asked = []

    def retry(**options):
        # What Celery would queue; here the test plays the later delivery.
        asked.append(options)
        raise Retry("rate limited", when=options["countdown"])

    monkeypatch.setattr(task, "retry", retry)
    result = task.apply(args=[runner])
    assert result.state == "RETRY"
    # 12:07:30, the 15-minute window reopens at 12:15:00.
    assert asked == [{"countdown": 450, "kwargs": {"created": 0}}]
    assert worker_data.sync[1]["state"] == "queued"
    assert "next try in 450 s" in worker_data.sync[1]["message"]
    assert fake.usage[0] == 5  # two, two pages and the refused one: no loop

    worker_clock.advance(450)  # the new window has room for the four pages
    task.apply(args=[runner])
    assert set(worker_data.runs) == strava_runs(worker_strava, 1)
    assert worker_data.sync[1]["state"] == "done"


def test_data_service_5xx_mid_import_is_retried_without_duplicates(
    worker_celery, worker_strava, worker_data, runner, monkeypatch
):
    monkeypatch.setattr(sync, "BATCH", 7)
    # The second batch fails: the first is stored already.
    worker_data.failures.append(Failure("POST", "/runs/import", 503, skip=1))
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert set(worker_data.runs) == expected
    assert worker_data.states == [(1, "running"), (1, "running"), (1, "done")]
    # The first attempt's 7 new runs are counted once, not lost or doubled.
    assert worker_data.sync[1]["imported"] == len(expected)
    assert not worker_data.failures  # the failure did happen


def test_data_service_unreachable_is_retried(
    worker_celery, worker_strava, worker_data, worker_http, runner
):
    worker_http.down["data.test"] = 2
    run(worker_celery, runner)
    assert worker_http.down["data.test"] == 0
    assert set(worker_data.runs) == strava_runs(worker_strava, 1)
    assert worker_data.sync[1]["state"] == "done"


def test_data_service_down_for_good_gives_up(worker_celery, worker_http, runner):
    worker_http.down["data.test"] = 1000
    result = run(worker_celery, runner)
    assert result["state"] == "failed"
    assert "Gave up" in result["message"]
    tries = [r for r in worker_http.requests if r[1:] == ("PUT", "/users/1/sync")]
    # Three retries after the first try, then the failure it cannot record.
    assert len(tries) == 1 + 3 + 1


def broken_strava(status: int, body, content_type="application/json") -> Flask:
    app = Flask("broken-strava")

    @app.get("/api/v3/athlete/activities")
    def activities():
        return app.response_class(body, status, content_type=content_type)

    return app


@pytest.mark.parametrize(
    ("status", "body", "content_type", "message"),
    [
        (200, "<html>Oops</html>", "text/html", "is not a list of activities"),
        (200, '{"activities": []}', "application/json", "not a list of activities"),
        (500, '{"message": "Error"}', "application/json", "Strava answered 500"),
        (200, '[{"id": 5, "type": "Run"}]', "application/json", "5 has no name"),
        (
            200,
            '[{"id": 5, "type": "Run", "name": "x", "distance": "far"}]',
            "application/json",
            "5 has a wrong distance",
        ),
    ],
)
def test_broken_strava_answer_fails_once_with_a_message(
    worker_celery, worker_http, worker_data, runner, status, body, content_type, message
):
    worker_http.clients["strava.test"] = broken_strava(
        status, body, content_type
    ).test_client()
    result = run(worker_celery, runner)
    assert result["state"] == "failed"
    assert worker_data.states == [(1, "running"), (1, "failed")]
    assert message in worker_data.sync[1]["message"]
    assert not worker_data.runs


def test_sync_all_queues_one_sync_per_connected_user(
    worker_celery, worker_strava, worker_data
):
    worker_data.add_user(1, connect_in_process(worker_strava, 1))
    worker_data.add_user(2)  # never connected to Strava
    worker_data.add_user(3, connect_in_process(worker_strava, 3))
    worker_celery.conf.task_always_eager = False  # queue for real (in memory)
    with worker_celery.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        queue.clear()
        assert worker_celery.tasks[SYNC_ALL].apply().result == [1, 3]
        queued = []
        while len(queue):
            message = queue.get(timeout=1)
            queued.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    assert queued == [(SYNC_USER, [1]), (SYNC_USER, [3])]
    assert worker_data.states == []  # queued, not run


def test_beat_runs_sync_all_every_hour_by_default():
    app = create_celery(Settings.from_env({}))
    assert app.conf.beat_schedule == {
        "sync-all": {"task": SYNC_ALL, "schedule": 3600.0}
    }
    app.close()
