"""The Strava worker's sync, task by task, in-process (book: chapter 8,
"Getting the Strava token", "Interacting with Data Service").

Fake Strava, TokenDealer and a stand-in data service are Flask apps answered
through ``requests`` by host name; Celery runs the tasks eagerly (a retry
runs at once). Nothing is started.
"""

import time

import pytest
from celery.exceptions import Retry
from flask import Flask
from kombu.exceptions import OperationalError

from chapter08.stravaworker import (
    RESUME_STALE,
    SYNC_ALL,
    SYNC_USER,
    Settings,
    create_celery,
    sync,
)
from chapter08.tests.fixtures_worker import Failure, connect_in_process


def strava_runs(strava, athlete_id: int) -> set[int]:
    fake = strava.extensions["fakestrava"]
    return {a["id"] for a in fake.activities(athlete_id) if a["type"] == "Run"}


def run_ids_by_page(strava, athlete_id: int, per_page: int) -> list[list[int]]:
    """The ids of the runs on each page of the athlete's activities."""
    activities = strava.extensions["fakestrava"].activities(athlete_id)
    return [
        [a["id"] for a in activities[start : start + per_page] if a["type"] == "Run"]
        for start in range(0, len(activities), per_page)
    ]


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
    # Running at the start, and again after each of the three full pages:
    # the heartbeat that tells a live sync from an abandoned one.
    assert worker_data.states == [(1, "running")] * 4 + [(1, "done")]
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
    # Each page's runs (20 activities a page), 7 at most a time.
    assert worker_data.imports == sum(
        -(-len(page) // 7) for page in run_ids_by_page(worker_strava, 1, 20)
    )


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
    # The two pages' runs are stored: the retry counts them as this sync's.
    first_two = sum(map(len, run_ids_by_page(worker_strava, 1, 20)[:2]))
    # The retry carries the count the sync began with: none.
    assert first_two > 0
    assert asked == [{"countdown": 450, "kwargs": {"before": 0}}]
    assert worker_data.sync[1]["state"] == "queued"
    assert "next try in 450 s" in worker_data.sync[1]["message"]
    assert fake.usage[0] == 5  # two, two pages and the refused one: no loop

    worker_clock.advance(450)  # the new window has room for the four pages
    task.apply(args=[runner], kwargs=asked[0]["kwargs"])
    expected = strava_runs(worker_strava, 1)
    assert set(worker_data.runs) == expected
    assert worker_data.sync[1] == {
        "state": "done",
        "imported": len(expected),
        "message": f"{len(expected)} new run(s), 0 already there.",
    }


def test_data_service_5xx_mid_import_is_retried_without_duplicates(
    worker_celery, worker_strava, worker_data, runner, monkeypatch
):
    monkeypatch.setattr(sync, "BATCH", 7)
    # The second batch fails: the first is stored already.
    worker_data.failures.append(Failure("POST", "/runs/import", 503, skip=1))
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert set(worker_data.runs) == expected
    assert worker_data.states[-1] == (1, "done")
    assert set(worker_data.states[:-1]) == {(1, "running")}
    # The first attempt's 7 new runs are counted once, not lost or doubled:
    # as new, not as "already there".
    assert worker_data.sync[1] == {
        "state": "done",
        "imported": len(expected),
        "message": f"{len(expected)} new run(s), 0 already there.",
    }
    assert not worker_data.failures  # the failure did happen


def test_an_import_answered_too_late_is_counted_as_new(
    worker_celery, worker_strava, worker_data, worker_http, runner, monkeypatch
):
    # The second batch is stored, but its answer never comes (a timeout: the
    # service was slow, or stopped with the request queued): the retry finds
    # those runs there. They are this sync's all the same.
    monkeypatch.setattr(sync, "BATCH", 7)
    worker_http.late.append(("POST", "/runs/import"))
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert not worker_http.late  # the late answer did happen
    assert set(worker_data.runs) == expected
    assert worker_data.sync[1] == {
        "state": "done",
        "imported": len(expected),
        "message": f"{len(expected)} new run(s), 0 already there.",
    }


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
    # Each try begins with the sync state (where a dead attempt left it).
    tries = [r for r in worker_http.requests if r[1:] == ("GET", "/users/1/sync")]
    failure = [r for r in worker_http.requests if r[1:] == ("PUT", "/users/1/sync")]
    # Three retries after the first try, then the failure it cannot record.
    assert (len(tries), len(failure)) == (1 + 3, 1)


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
        "sync-all": {"task": SYNC_ALL, "schedule": 3600.0},
        # A sync silent for two minutes is abandoned; looked for every minute.
        "resume-stale": {"task": RESUME_STALE, "schedule": 60.0},
    }
    app.close()


# A worker that died mid-sync ------------------------------------------------


def interrupted(worker_strava, worker_data, silent_for: float) -> int:
    """Runner 1's sync as a worker killed after the first page leaves it:
    that page's runs stored, the state "running", silent for ``silent_for``
    seconds; how many runs it stored."""
    first_page = run_ids_by_page(worker_strava, 1, 20)[0]
    runs = [
        sync.run_from_activity(worker_strava.extensions["fakestrava"].find_activity(i))
        for i in first_page
    ]
    worker_data.runs.update({run["strava_id"]: (1, run) for run in runs})
    worker_data.sync[1] = {"state": "running", "imported": len(runs), "message": None}
    worker_data.updated[1] = time.time() - silent_for
    return len(runs)


def test_a_silent_running_sync_is_resumed_and_counted_once(
    worker_celery, worker_strava, worker_data, runner
):
    stored = interrupted(worker_strava, worker_data, silent_for=121)
    expected = strava_runs(worker_strava, 1)
    # Eager: the resumed sync runs inside resume_stale.
    assert worker_celery.tasks[RESUME_STALE].apply().get() == [1]
    assert worker_data.states[:2] == [(1, "queued"), (1, "running")]
    assert set(worker_data.runs) == expected
    # The runs the dead worker stored were new to this sync: counted as new.
    assert 0 < stored < len(expected)
    assert worker_data.sync[1] == {
        "state": "done",
        "imported": len(expected),
        "message": f"{len(expected)} new run(s), 0 already there.",
    }
    # Done: nothing more to resume.
    assert worker_celery.tasks[RESUME_STALE].apply().get() == []


def test_a_running_sync_with_a_recent_heartbeat_is_left_alone(
    worker_celery, worker_strava, worker_data, runner
):
    interrupted(worker_strava, worker_data, silent_for=60)
    assert worker_celery.tasks[RESUME_STALE].apply().get() == []
    assert worker_data.states == []


def test_a_redelivered_sync_counts_what_its_first_delivery_stored(
    worker_celery, worker_strava, worker_data, runner
):
    # RabbitMQ gives the dead worker's message to the next: the same task,
    # which finds the state "running" and carries its count on.
    interrupted(worker_strava, worker_data, silent_for=5)
    expected = strava_runs(worker_strava, 1)
    run(worker_celery, runner)
    assert worker_data.sync[1]["imported"] == len(expected)
    assert worker_data.sync[1]["message"].endswith(" 0 already there.")


def test_a_resumed_sync_taken_over_meanwhile_does_nothing(
    worker_celery, worker_strava, worker_data, runner
):
    # Queued by resume_stale; meanwhile, the broker redelivered the dead
    # worker's message and it finished the sync.
    worker_data.sync[1] = {"state": "done", "imported": 30, "message": "Done."}
    task = worker_celery.tasks[SYNC_USER]
    assert task.apply(args=[1], kwargs={"resumed": True}).get()["state"] == "skipped"
    assert worker_data.states == []
    assert not worker_data.runs


def test_a_resume_the_broker_refuses_is_left_for_the_next_look(
    worker_celery, worker_strava, worker_data, runner, monkeypatch
):
    stored = interrupted(worker_strava, worker_data, silent_for=121)

    def broker_down(*args, **options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(worker_celery.tasks[SYNC_USER], "apply_async", broker_down)
    with pytest.raises(OperationalError):
        worker_celery.tasks[RESUME_STALE].apply().get()
    # Not "queued" for a message that never left: "running", as it was.
    assert worker_data.states == [(1, "queued"), (1, "running")]
    assert worker_data.sync[1]["imported"] == stored


def test_resume_stale_with_the_data_service_down_tries_next_time(
    worker_celery, worker_http, runner
):
    worker_http.down["data.test"] = 1
    assert worker_celery.tasks[RESUME_STALE].apply().get() == []
