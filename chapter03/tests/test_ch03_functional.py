"""Functional tests: the proxy's HTTP API, request in, response out.

Book: chapter 3, "Functional tests", "Integration tests" and "Using WebTest".
Each test runs twice through the ``testapp`` fixture (chapter03/conftest.py):
against the app in process (Flask-WebTest), then over real HTTP against the
proxy under waitress with the fake tracker in another process. Same test
functions, no copies.
"""

from urllib.parse import urlsplit

from chapter03.machinery.fake_tracker import BROKEN, GARBLED, SLOW


def assert_json_error(response, status: int) -> dict:
    assert response.status_int == status
    assert response.content_type == "application/json"
    assert response.json["status"] == status
    assert response.json["message"]
    return response.json


def test_home_names_the_service(testapp):
    response = testapp.get("/api/")
    assert response.json == {"service": "tracker", "status": "ok"}


def test_one_bug_is_summarised(testapp):
    response = testapp.get("/api/bugs/1")
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {
        "id": 1,
        "title": "Runs imported twice from Strava",
        "state": "open",
        "severity": "major",
        "assignee": "tarek@example.com",
        "comments": 1,
    }


def test_unknown_bug_is_a_json_404(testapp):
    body = assert_json_error(testapp.get("/api/bugs/4242", status=404), 404)
    assert body["message"] == "no bug 4242"


def test_a_bug_id_must_be_a_number(testapp):
    assert_json_error(testapp.get("/api/bugs/first", status=404), 404)


def test_open_bugs_are_the_default_filter(testapp):
    body = testapp.get("/api/bugs").json
    assert body["filter"] == "open"
    assert body["count"] == len(body["bugs"])
    assert {bug["state"] for bug in body["bugs"]} == {"open"}
    assert {1, 2} <= {bug["id"] for bug in body["bugs"]}


def test_closed_bugs(testapp):
    body = testapp.get("/api/bugs", {"status": "closed"}).json
    assert [bug["id"] for bug in body["bugs"]] == [3]
    assert body["bugs"][0]["comments"] == 2


def test_unknown_filter_is_a_json_400(testapp):
    response = testapp.get("/api/bugs", {"status": "wontfix"}, status=400)
    body = assert_json_error(response, 400)
    assert "open, closed, all" in body["message"]


def test_filing_a_bug_answers_201_and_its_location(testapp):
    response = testapp.post_json(
        "/api/bugs", {"title": "Pace shown in km/h", "severity": "minor"}, status=201
    )
    location = response.headers["Location"]
    # The app sends a relative Location; through a proxy it may come absolute.
    assert urlsplit(location).path == f"/api/bugs/{response.json['id']}"
    assert response.json["url"] == urlsplit(location).path
    filed = testapp.get(urlsplit(location).path).json
    assert filed["title"] == "Pace shown in km/h"
    assert (filed["state"], filed["severity"]) == ("open", "minor")


def test_a_bug_without_title_is_a_json_400(testapp):
    response = testapp.post_json("/api/bugs", {"severity": "major"}, status=400)
    assert "title is required" in assert_json_error(response, 400)["message"]


def test_a_body_that_is_not_json_is_a_json_400(testapp):
    response = testapp.post(
        "/api/bugs", "title=Crash", content_type="text/plain", status=400
    )
    assert "JSON object" in assert_json_error(response, 400)["message"]


def test_a_body_nested_too_deep_is_a_json_400(testapp):
    nested = "[" * 100_000 + "]" * 100_000  # deeper than Python's parser recurses
    response = testapp.post(
        "/api/bugs", nested, content_type="application/json", status=400
    )
    assert_json_error(response, 400)


def test_wrong_method_is_a_json_405_with_allow(testapp):
    response = testapp.delete("/api/bugs/1", status=405)
    assert_json_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_tracker_failure_is_a_json_502(testapp):
    response = testapp.get(f"/api/bugs/{BROKEN}", status=502)
    assert_json_error(response, 502)


def test_tracker_garbage_is_a_json_502(testapp):
    response = testapp.get(f"/api/bugs/{GARBLED}", status=502)
    assert_json_error(response, 502)


def test_slow_tracker_is_a_json_504(testapp):
    response = testapp.get(f"/api/bugs/{SLOW}", status=504)
    body = assert_json_error(response, 504)
    assert body["message"] == "the bug tracker did not answer in time"


def test_the_proxy_keeps_no_session(flask_testapp):
    # Stateless: each request carries all its answer needs, so any instance
    # of the proxy can answer it. Flask-WebTest gives each in-process response
    # the Flask session as the request left it, whatever reached the cookie.
    responses = [
        flask_testapp.post_json("/api/bugs", {"title": "Lost splits"}, status=201),
        flask_testapp.get("/api/bugs", {"status": "closed"}),
        flask_testapp.get("/api/bugs/4242", status=404),
    ]
    for response in responses:
        assert response.session == {}
        assert "Set-Cookie" not in response.headers
