"""Unit tests: the pure functions, and the client with its HTTP mocked.

Book: chapter 3, "Unit tests". No server runs here: ``requests-mock``
answers the client's requests (or fails them) the way a tracker would, so
each failure the client must survive is one line of setup.
"""

import pytest
import requests

from chapter03.machinery import fake_tracker
from chapter03.tracker import bugs, create_app
from chapter03.tracker.client import TrackerClient, TrackerError, TrackerTimeout
from testkit.ports import free_port

TRACKER = "http://tracker.test"
RECORD = {
    "id": 7,
    "summary": "Crash on empty run",
    "status": "REOPENED",
    "severity": "critical",
    "assigned_to": "",
    "comments": [{"text": "again"}],
}


# -- the pure functions ---------------------------------------------------


@pytest.mark.parametrize(
    ("state", "statuses"),
    [
        ("open", bugs.OPEN_STATUSES),
        ("closed", bugs.CLOSED_STATUSES),
        ("all", bugs.OPEN_STATUSES + bugs.CLOSED_STATUSES),
    ],
)
def test_tracker_statuses(state, statuses):
    assert bugs.tracker_statuses(state) == statuses


def test_tracker_statuses_refuses_other_states():
    with pytest.raises(ValueError, match="one of open, closed, all, not 'new'"):
        bugs.tracker_statuses("new")


@pytest.mark.parametrize(
    ("status", "state"),
    [("NEW", "open"), ("REOPENED", "open"), ("VERIFIED", "closed"), ("", "unknown")],
)
def test_state_of(status, state):
    assert bugs.state_of(status) == state


def test_summarise_keeps_what_clients_use():
    assert bugs.summarise(RECORD) == {
        "id": 7,
        "title": "Crash on empty run",
        "state": "open",
        "severity": "critical",
        "assignee": None,  # the tracker's "" means nobody
        "comments": 1,
    }


def test_summarise_a_minimal_record():
    summary = bugs.summarise({"id": 1, "summary": "x"})
    assert summary["state"] == "unknown"
    assert (summary["severity"], summary["comments"]) == ("normal", 0)


def test_validate_new_bug():
    assert bugs.validate_new_bug({"title": "  Crash  ", "severity": "major"}) == {
        "product": "Runnerly",
        "summary": "Crash",
        "severity": "major",
    }
    assert bugs.validate_new_bug({"title": "Crash"})["severity"] == "normal"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "JSON object"),
        (["title"], "JSON object"),
        ({"title": "x", "priority": 1}, "unknown fields: priority"),
        ({}, "title is required"),
        ({"title": "   "}, "title is required"),
        ({"title": 42}, "title is required"),
        ({"title": "x" * 201}, "longer than 200"),
        ({"title": "x", "severity": "blocker"}, "severity must be one of"),
    ],
)
def test_validate_new_bug_refuses(payload, message):
    with pytest.raises(bugs.InvalidBug, match=message):
        bugs.validate_new_bug(payload)


# -- the client, against requests-mock ------------------------------------


@pytest.fixture
def client() -> TrackerClient:
    return TrackerClient(TRACKER + "/", timeout=0.1)


def test_get_bug(client, requests_mock):
    requests_mock.get(f"{TRACKER}/rest/bug/7", json={"bugs": [RECORD]})
    assert client.get_bug(7) == RECORD
    # The timeout is always passed: without it a call could wait forever.
    assert requests_mock.last_request.timeout == 0.1


def test_get_missing_bug_is_none(client, requests_mock):
    requests_mock.get(f"{TRACKER}/rest/bug/8", status_code=404, json={"error": True})
    assert client.get_bug(8) is None


def test_search_sends_every_status(client, requests_mock):
    requests_mock.get(f"{TRACKER}/rest/bug", json={"bugs": [RECORD]})
    assert client.search(("NEW", "REOPENED")) == [RECORD]
    assert requests_mock.last_request.qs == {"status": ["new", "reopened"]}


def test_create_bug_returns_the_id(client, requests_mock):
    requests_mock.post(f"{TRACKER}/rest/bug", json={"id": 12})
    assert client.create_bug({"summary": "x"}) == 12
    assert requests_mock.last_request.json() == {"summary": "x"}


@pytest.mark.parametrize(
    "error", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout]
)
def test_timeouts_raise_tracker_timeout(client, requests_mock, error):
    requests_mock.get(f"{TRACKER}/rest/bug/7", exc=error)
    with pytest.raises(TrackerTimeout, match="no answer within 0.1s") as caught:
        client.get_bug(7)
    assert caught.value.status == 504


@pytest.mark.parametrize(
    "error", [requests.exceptions.ConnectionError, requests.exceptions.SSLError]
)
def test_connection_errors_raise_tracker_error(client, requests_mock, error):
    requests_mock.get(f"{TRACKER}/rest/bug", exc=error)
    with pytest.raises(TrackerError) as caught:
        client.search(("NEW",))
    assert not isinstance(caught.value, TrackerTimeout)
    assert caught.value.status == 502


@pytest.mark.parametrize("status", [500, 502, 503, 400, 401])
def test_error_statuses_raise_tracker_error(client, requests_mock, status):
    requests_mock.get(f"{TRACKER}/rest/bug/7", status_code=status)
    with pytest.raises(TrackerError, match=f"answered {status}"):
        client.get_bug(7)


@pytest.mark.parametrize("body", ["<html>busy</html>", "", '{"bugs": ['])
def test_bad_json_raises_tracker_error(client, requests_mock, body):
    requests_mock.get(f"{TRACKER}/rest/bug/7", text=body)
    with pytest.raises(TrackerError, match="not JSON"):
        client.get_bug(7)


@pytest.mark.parametrize(
    "data", [[], {"bugs": {}}, {"bugs": []}, {"bugs": [RECORD, RECORD]}]
)
def test_unexpected_json_raises_tracker_error(client, requests_mock, data):
    requests_mock.get(f"{TRACKER}/rest/bug/7", json=data)
    with pytest.raises(TrackerError):
        client.get_bug(7)


@pytest.mark.parametrize("data", [{}, {"id": "12"}, [12]])
def test_create_without_id_raises_tracker_error(client, requests_mock, data):
    requests_mock.post(f"{TRACKER}/rest/bug", json=data)
    with pytest.raises(TrackerError, match="no bug id"):
        client.create_bug({"summary": "x"})


# -- the app's wiring -----------------------------------------------------


def test_the_app_needs_a_tracker_url():
    with pytest.raises(RuntimeError, match="FLASK_TRACKER_API_URL"):
        create_app("testing")


def test_the_tracker_url_and_timeout_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_TRACKER_API_URL", TRACKER)
    monkeypatch.setenv("FLASK_TRACKER_TIMEOUT", "0.25")
    client = create_app("production", SECRET_KEY="k").extensions["tracker"]
    assert (client.base_url, client.timeout) == (TRACKER, 0.25)


def test_flask_config_picks_the_config_class(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_CONFIG", "testing")
    assert create_app(TRACKER_API_URL=TRACKER).testing
    monkeypatch.setenv("FLASK_CONFIG", "production")  # no default secret key
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app(TRACKER_API_URL=TRACKER)


def test_routes():
    app = create_app("testing", TRACKER_API_URL=TRACKER)
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {
        ("/api/", "GET"),
        ("/api/bugs", "GET"),
        ("/api/bugs", "POST"),
        ("/api/bugs/<int:bug_id>", "GET"),
        ("/static/<path:filename>", "GET"),  # Flask's own, for static files
    }


def test_unreachable_tracker_is_a_json_502(caplog):
    # Nothing listens on a fresh free port: the connection is refused.
    app = create_app("testing", TRACKER_API_URL=f"http://127.0.0.1:{free_port()}")
    response = app.test_client().get("/api/bugs")
    assert response.status_code == 502
    assert response.json == {
        "status": 502,
        "message": "the bug tracker failed to answer",
    }
    # The details are for the operators' log, not for the client.
    assert "ConnectionError" in caplog.text


def test_the_fake_tracker_refuses_a_bug_without_summary():
    # As Bugzilla does; the proxy's validation keeps it from ever happening.
    client = fake_tracker.create_app().test_client()
    response = client.post("/rest/bug", json={"product": "Runnerly"})
    assert response.status_code == 400
    assert response.json["code"] == 32000


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/nowhere", 404),
        ("get", "/rest/bug/abc", 404),
        ("delete", "/rest/bug", 405),
    ],
)
def test_the_fake_tracker_answers_every_error_in_json(method, path, status):
    response = getattr(fake_tracker.create_app().test_client(), method)(path)
    assert response.status_code == status
    assert response.json["error"] is True
    assert response.json["code"] == status


def test_the_fake_tracker_refuses_a_body_that_is_not_an_object():
    client = fake_tracker.create_app().test_client()
    assert client.post("/rest/bug", json=["a summary"]).status_code == 400
