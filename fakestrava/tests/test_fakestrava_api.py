"""/api/v3: Bearer auth, the athlete, the activity list and its paging."""

import pytest

from fakestrava import create_app
from fakestrava.activities import epoch
from fakestrava.clock import ManualClock
from fakestrava.tests.helpers import REDIRECT_URI, fault, query_of

ACTIVITIES = "/api/v3/athlete/activities"


def listed(client, auth, **query):
    answer = client.get(ACTIVITIES, headers=auth, query_string=query)
    assert answer.status_code == 200, answer.json
    return answer.json


def ids(activities):
    return [activity["id"] for activity in activities]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer made-up"}, {"Authorization": "Token abc"}],
)
def test_token_required(client, headers):
    for path in ("/api/v3/athlete", ACTIVITIES, "/api/v3/activities/1"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 401
        assert answer.json == {
            "message": "Authorization Error",
            "errors": fault("Athlete", "access_token"),
        }


def test_athlete(client, auth, fake):
    athlete = client.get("/api/v3/athlete", headers=auth).json
    assert athlete["id"] == 1
    assert athlete["resource_state"] == 3
    assert athlete["firstname"] == fake.athlete(1)["firstname"]


def test_default_page_is_30_newest_first(client, auth, fake):
    page = listed(client, auth)
    assert ids(page) == ids(fake.activities(1)[:30])


def test_pages_follow_each_other(client, auth, fake):
    pages = [listed(client, auth, page=n, per_page=25) for n in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [25, 25, 10, 0]
    assert sum((ids(page) for page in pages), []) == ids(fake.activities(1))


def test_exact_last_page(client, auth):
    assert len(listed(client, auth, page=2, per_page=30)) == 30
    assert listed(client, auth, page=3, per_page=30) == []


def test_per_page_at_most_200():
    app = create_app(activities_per_athlete=250, clock=ManualClock())
    fake = app.extensions["fakestrava"]
    client = app.test_client()
    code = query_of(fake.authorize(REDIRECT_URI))["code"]
    token = client.post(
        "/oauth/token",
        data={
            "client_id": "1234",
            "client_secret": "fake-secret",
            "grant_type": "authorization_code",
            "code": code,
        },
    ).json["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert len(listed(client, auth, per_page=500)) == 200
    assert len(listed(client, auth, per_page=200, page=2)) == 50


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "-1"}, "per_page"),
        ({"per_page": "1.5"}, "per_page"),
        ({"before": "yesterday"}, "before"),
        ({"after": "soon"}, "after"),
        ({"after": "inf"}, "after"),
        ({"before": "nan"}, "before"),
    ],
)
def test_bad_parameters(client, auth, query, field):
    answer = client.get(ACTIVITIES, headers=auth, query_string=query)
    assert answer.status_code == 400
    assert answer.json == {"message": "Bad Request", "errors": fault("Activity", field)}


def test_before(client, auth, fake):
    history = fake.activities(1)
    cut = epoch(history[10]["start_date"])
    page = listed(client, auth, before=cut, per_page=200)
    assert ids(page) == ids(history[11:])


def test_after_only_is_oldest_first(client, auth, fake):
    history = fake.activities(1)
    cut = epoch(history[10]["start_date"])
    page = listed(client, auth, after=cut, per_page=200)
    assert ids(page) == ids(history[:10])[::-1]
    # Paging forward from the oldest: the second page holds the newer ones.
    first = listed(client, auth, after=cut, per_page=4)
    second = listed(client, auth, after=cut, per_page=4, page=2)
    assert ids(first + second) == ids(history[:10])[::-1][:8]


def test_before_and_after_is_newest_first(client, auth, fake):
    history = fake.activities(1)
    before, after = epoch(history[5]["start_date"]), epoch(history[20]["start_date"])
    page = listed(client, auth, before=before, after=f"{after}.5", per_page=200)
    assert ids(page) == ids(history[6:20])


def test_new_activity_shows_up(client, auth, fake, clock):
    last_import = int(clock())
    assert listed(client, auth, after=last_import) == []
    clock.advance(7200)
    added = fake.add_activity(1, name="Fresh run")
    assert ids(listed(client, auth, after=last_import)) == [added["id"]]


def test_activities_need_the_activity_scope(client, login):
    token = login(scope="read,profile:read_all")["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v3/athlete", headers=auth).status_code == 200
    answer = client.get(ACTIVITIES, headers=auth)
    assert answer.status_code == 401
    assert answer.json == {
        "message": "Authorization Error",
        "errors": fault("AccessToken", "activity:read_permission", "missing"),
    }


def private_run(fake, athlete_id):
    return fake.add_activity(athlete_id, private=True, visibility="only_me")


def test_private_activities_need_read_all(client, fake, login):
    hidden = private_run(fake, 1)
    read = login(scope="activity:read")["access_token"]
    read_all = login(scope="activity:read_all")["access_token"]
    seen = listed(client, {"Authorization": f"Bearer {read}"}, per_page=200)
    assert hidden["id"] not in ids(seen)
    assert not any(activity["private"] for activity in seen)
    seen_all = listed(client, {"Authorization": f"Bearer {read_all}"}, per_page=200)
    assert hidden["id"] in ids(seen_all)


def test_one_activity(client, auth, fake):
    wanted = fake.activities(1)[3]
    answer = client.get(f"/api/v3/activities/{wanted['id']}", headers=auth)
    assert answer.status_code == 200
    assert answer.json["id"] == wanted["id"]
    assert answer.json["resource_state"] == 3
    # Another athlete's public activity is visible, as on Strava.
    other = next(a for a in fake.activities(2) if not a["private"])
    answer = client.get(f"/api/v3/activities/{other['id']}", headers=auth)
    assert answer.status_code == 200


def test_unknown_or_hidden_activity(client, auth, fake):
    hidden = private_run(fake, 2)
    for activity_id in (1, hidden["id"]):
        answer = client.get(f"/api/v3/activities/{activity_id}", headers=auth)
        assert answer.status_code == 404
        assert answer.json == {
            "message": "Record Not Found",
            "errors": fault("Activity", "id"),
        }


def test_unknown_path_is_json(client):
    for path in ("/api/v3/nowhere", "/", "/oauth/nowhere"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.json == {
            "message": "Record Not Found",
            "errors": fault("resource", "path"),
        }


def test_wrong_method_is_json(client, auth):
    answer = client.delete("/api/v3/athlete", headers=auth)
    assert answer.status_code == 405
    assert answer.json["message"] == "Method Not Allowed"
    assert answer.json["errors"] == fault("resource", "method")
    assert "GET" in answer.headers["Allow"]


def test_other_http_errors_are_faults(client):
    # A bug, and an HTTP error the fake never raises itself: still Faults.
    app = create_app(clock=ManualClock())

    @app.get("/broken")
    def broken():
        raise RuntimeError("a bug in the fake")

    @app.get("/teapot")
    def teapot():
        from flask import abort

        abort(418)

    client = app.test_client()
    answer = client.get("/broken")
    assert answer.status_code == 500
    assert answer.json == {"message": "Internal Server Error", "errors": []}
    answer = client.get("/teapot")
    assert answer.status_code == 418
    assert answer.json == {
        "message": "I'm a teapot",
        "errors": fault("resource", "request"),
    }
