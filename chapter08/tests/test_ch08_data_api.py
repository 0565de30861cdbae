"""Book: chapter 8, "Interacting with Data Service": what the services call.

Each test runs on SQLite and on PostgreSQL (``data_app`` is parametrized).
"""

from datetime import timedelta

import pytest

from chapter04.monolith.models import db
from chapter08.dataservice.models import SyncState
from chapter08.tests.fixtures_data import DATA_RUN, data_login


def run(strava_id: int, start_date: str, distance: float = 5000.0, **more) -> dict:
    return {
        **DATA_RUN,
        "strava_id": strava_id,
        "start_date": start_date,
        "distance": distance,
        **more,
    }


def test_a_strava_login_creates_then_updates_the_runner(data_client, data_admin):
    created = data_client.put(
        "/users/strava/77", json=data_login(77), headers=data_admin
    )
    assert created.status_code == 201
    assert created.headers["Location"] == f"/users/{created.json['id']}"
    assert created.json["strava_athlete_id"] == 77
    assert created.json["strava_connected"] is True
    assert "strava_access_token" not in created.json  # never in user JSON
    again = data_client.put(
        "/users/strava/77", json=data_login(77, "Adele"), headers=data_admin
    )
    assert again.status_code == 200
    assert again.json["id"] == created.json["id"]
    assert again.json["firstname"] == "Adele"


def test_the_worker_reads_and_renews_the_strava_token(
    data_client, data_worker, data_runners
):
    url = f"/users/{data_runners[0]}/strava-token"
    assert data_client.get(url, headers=data_worker).json == {
        "access_token": "access-501",
        "refresh_token": "refresh-501",
        "expires_at": 2_000_000_000,
    }
    renewed = {"access_token": "a2", "refresh_token": "r2", "expires_at": 2_000_003_600}
    response = data_client.put(url, json=renewed, headers=data_worker)
    assert response.status_code == 200
    assert data_client.get(url, headers=data_worker).json == renewed


def test_a_user_without_strava_has_no_token(data_client, data_admin):
    user = data_client.post(
        "/users", json={"email": "walker@example.com"}, headers=data_admin
    )
    response = data_client.get(
        f"/users/{user.json['id']}/strava-token", headers=data_admin
    )
    assert response.status_code == 404
    assert response.json["message"] == "This user has no Strava connection."


def test_the_worker_lists_the_users_connected_to_strava(
    data_client, data_worker, data_admin, data_runners
):
    data_client.post("/users", json={"email": "walker@example.com"}, headers=data_admin)
    connected = data_client.get("/users?strava_connected=true", headers=data_worker)
    assert [user["id"] for user in connected.json] == data_runners
    others = data_client.get("/users?strava_connected=false", headers=data_worker)
    assert [user["email"] for user in others.json] == ["walker@example.com"]
    assert len(data_client.get("/users", headers=data_worker).json) == 3
    wrong = data_client.get("/users?strava_connected=yes", headers=data_worker)
    assert wrong.status_code == 400


def test_importing_the_same_strava_id_twice_adds_one_run(
    data_client, data_worker, data_runners
):
    url = f"/users/{data_runners[0]}/runs/import"
    body = {"runs": [run(1, "2026-10-03T07:00:00Z"), run(2, "2026-10-05T07:00:00Z")]}
    first = data_client.post(url, json=body, headers=data_worker)
    assert first.json == {"created": 2, "existing": 0}
    # A retried batch (the worker after a timeout): nothing is duplicated.
    again = data_client.post(url, json=body, headers=data_worker)
    assert again.json == {"created": 0, "existing": 2}
    # The same run twice in one batch is one run too.
    twice = {"runs": [run(3, "2026-10-06T07:00:00Z")] * 2}
    assert data_client.post(url, json=twice, headers=data_worker).json == {
        "created": 1,
        "existing": 1,
    }
    runs = data_client.get(f"/users/{data_runners[0]}/runs", headers=data_worker)
    assert [r["strava_id"] for r in runs.json] == [3, 2, 1]  # newest first


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"distance": "far"}, "$.runs[1].distance: must be of type number"),
        ({"start_date": "yesterdayZ"}, "$.runs[1].start_date: must be an ISO 8601"),
        ({"shoes": "old"}, "$.runs[1]: Unevaluated properties are not allowed"),
        ({"distance": 1e400}, "$.runs[1].distance: must be at most 1.79"),
    ],
)
def test_an_import_with_one_bad_run_adds_none(
    data_client, data_worker, data_runners, bad, message
):
    url = f"/users/{data_runners[0]}/runs/import"
    body = {
        "runs": [
            run(1, "2026-10-03T07:00:00Z"),
            {**run(2, "2026-10-04T07:00:00Z"), **bad},
        ]
    }
    response = data_client.post(url, json=body, headers=data_worker)
    assert response.status_code == 400
    assert response.json["message"].startswith(message)
    runs = data_client.get(f"/users/{data_runners[0]}/runs", headers=data_worker)
    assert runs.json == []


def test_a_strava_id_of_another_runner_is_a_409_and_adds_nothing(
    data_client, data_worker, data_runners
):
    ada, bob = data_runners
    data_client.post(
        f"/users/{ada}/runs/import",
        json={"runs": [run(1, "2026-10-03T07:00:00Z")]},
        headers=data_worker,
    )
    body = {"runs": [run(2, "2026-10-04T07:00:00Z"), run(1, "2026-10-03T07:00:00Z")]}
    response = data_client.post(
        f"/users/{bob}/runs/import", json=body, headers=data_worker
    )
    assert response.status_code == 409
    assert response.json["message"] == "Strava activity 1 belongs to another user."
    assert data_client.get(f"/users/{bob}/runs", headers=data_worker).json == []


def test_an_import_takes_at_most_200_runs(data_client, data_worker, data_runners):
    body = {"runs": [run(i, "2026-10-03T07:00:00Z") for i in range(1, 202)]}
    response = data_client.post(
        f"/users/{data_runners[0]}/runs/import", json=body, headers=data_worker
    )
    assert response.status_code == 400
    assert response.json["message"] == "$.runs: must have at most 200 items"


@pytest.fixture
def data_season(data_client, data_worker, data_runners) -> int:
    """Ada's runs: two in November 2026, one in October, one in December 2025."""
    runs = [
        run(1, "2025-12-31T23:30:00Z", 8000.0, moving_time=2400, elapsed_time=2500),
        run(2, "2026-10-31T23:59:59Z", 10000.0, moving_time=3000, elapsed_time=3100),
        run(3, "2026-11-01T00:00:00Z", 5000.0, moving_time=1500, elapsed_time=1600),
        run(4, "2026-11-20T07:00:00Z", 21000.0, moving_time=7200, elapsed_time=7300),
    ]
    ada = data_runners[0]
    response = data_client.post(
        f"/users/{ada}/runs/import", json={"runs": runs}, headers=data_worker
    )
    assert response.json == {"created": 4, "existing": 0}
    return ada


def test_runs_of_one_month_newest_first(data_client, data_admin, data_season):
    url = f"/users/{data_season}/runs?year=2026&month=11"
    assert [r["strava_id"] for r in data_client.get(url, headers=data_admin).json] == [
        4,
        3,
    ]
    url = f"/users/{data_season}/runs?year=2026&month=10"
    assert [r["strava_id"] for r in data_client.get(url, headers=data_admin).json] == [
        2
    ]
    url = f"/users/{data_season}/runs?year=9999&month=12"
    assert data_client.get(url, headers=data_admin).json == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=2026", "year and month go together: both or neither."),
        ("month=11", "year and month go together: both or neither."),
        ("year=2026&month=13", "year must be 1 to 9999, month 1 to 12."),
        ("year=twenty&month=1", "year and month must be integers."),
    ],
)
def test_a_half_or_wrong_month_is_a_400(
    data_client, data_admin, data_season, query, message
):
    response = data_client.get(f"/users/{data_season}/runs?{query}", headers=data_admin)
    assert response.status_code == 400
    assert response.json == {"status": 400, "message": message}


def test_month_totals_newest_first(data_client, data_admin, data_season):
    response = data_client.get(f"/users/{data_season}/months", headers=data_admin)
    assert response.json == [
        {"year": 2026, "month": 11, "runs": 2, "distance": 26000.0,
         "moving_time": 8700, "elapsed_time": 8900},
        {"year": 2026, "month": 10, "runs": 1, "distance": 10000.0,
         "moving_time": 3000, "elapsed_time": 3100},
        {"year": 2025, "month": 12, "runs": 1, "distance": 8000.0,
         "moving_time": 2400, "elapsed_time": 2500},
    ]  # fmt: skip


def test_no_runs_no_months(data_client, data_admin, data_runners):
    response = data_client.get(f"/users/{data_runners[1]}/months", headers=data_admin)
    assert response.json == []


def test_the_sync_state_is_idle_then_what_the_worker_says(
    data_client, data_worker, data_admin, data_runners
):
    url = f"/users/{data_runners[0]}/sync"
    assert data_client.get(url, headers=data_admin).json == {
        "state": "idle",
        "imported": 0,
        "message": None,
        "updated_at": None,
    }
    data_client.put(url, json={"state": "running", "imported": 40}, headers=data_worker)
    failed = {"state": "failed", "imported": 40, "message": "Strava is down."}
    response = data_client.put(url, json=failed, headers=data_worker)
    assert response.status_code == 200
    state = data_client.get(url, headers=data_admin).json
    assert {**state, "updated_at": None} == {**failed, "updated_at": None}
    assert state["updated_at"].endswith("Z")


def test_the_worker_finds_the_running_syncs_that_went_silent(
    data_app, data_client, data_worker, data_runners
):
    ada, bob = data_runners
    for user_id in data_runners:
        data_client.put(
            f"/users/{user_id}/sync",
            json={"state": "running", "imported": 20},
            headers=data_worker,
        )
    # Ada's worker died three minutes ago; Bob's has just said how far it is.
    with data_app.app_context():
        db.session.get(SyncState, ada).updated_at -= timedelta(minutes=3)
        db.session.commit()
    stale = data_client.get("/syncs?state=running&older_than=120", headers=data_worker)
    assert stale.status_code == 200
    assert [{**sync, "updated_at": None} for sync in stale.json] == [
        {
            "user_id": ada,
            "state": "running",
            "imported": 20,
            "message": None,
            "updated_at": None,
        }
    ]
    every = data_client.get("/syncs", headers=data_worker).json
    assert [sync["user_id"] for sync in every] == [ada, bob]
    done = data_client.get("/syncs?state=done", headers=data_worker).json
    assert done == []


@pytest.mark.parametrize(
    ("url", "method", "body", "status"),
    [
        ("/syncs?state=asleep", "get", None, 400),
        ("/syncs?older_than=-1", "get", None, 400),
        ("/syncs?older_than=2.5", "get", None, 400),
        ("/syncs?older_than=2147483648", "get", None, 400),
        ("/users/{ada}/sync", "put", {"state": "asleep"}, 400),
        ("/users/{ada}/sync", "put", {"state": "done", "imported": -1}, 400),
        ("/users/{ada}/sync", "put", [], 400),
        ("/users/999/sync", "put", {"state": "done"}, 404),
        ("/users/999/sync", "get", None, 404),
        ("/users/999/months", "get", None, 404),
        ("/users/999/runs/import", "post", {"runs": []}, 404),
        ("/users/{ada}/strava-token", "put", {"access_token": ""}, 400),
        ("/users/strava/5", "put", {"firstname": "x" * 129}, 400),
        ("/users/strava/9223372036854775808", "put", data_login(1), 400),
        ("/users/{ada}/runs/import", "post", {"runs": "all"}, 400),
    ],
)
def test_bad_input_is_a_json_error(
    data_client, data_admin, data_runners, url, method, body, status
):
    call = getattr(data_client, method)
    response = call(url.format(ada=data_runners[0]), json=body, headers=data_admin)
    assert response.status_code == status
    assert response.json["status"] == status
    assert response.json["message"]


def test_a_value_the_database_refuses_is_a_400(
    data_client, data_admin, data_database_url
):
    # PostgreSQL's INTEGER is 32 bits and it takes no NUL in a text; SQLite
    # stores both. Either way, no 500.
    response = data_client.post(
        "/users",
        json={"email": "big@example.com", "age": 2**40, "firstname": "a\x00b"},
        headers=data_admin,
    )
    if data_database_url.startswith("sqlite"):
        assert response.status_code == 201
    else:
        assert response.json == {
            "status": 400,
            "message": "A value is out of range for the database.",
        }
