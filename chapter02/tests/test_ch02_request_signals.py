"""Built-in and custom signals (chapter02/request_signals.py)."""

import pytest
from flask import got_request_exception, request_finished

from chapter02.request_signals import app, run_recorded


@pytest.fixture
def client():
    app.extensions["events"].clear()
    return app.test_client()


def test_request_finished_is_sent_with_the_response(client):
    seen = []

    def receiver(sender, response, **extra):
        seen.append(response.status_code)

    with request_finished.connected_to(receiver, app):
        client.get("/api/events")
    assert seen == [200]


def test_the_app_subscribers_record_each_request(client):
    client.get("/api/events")
    assert client.get("/api/events").json == {"events": ["finished /api/events 200 OK"]}


def test_got_request_exception_reports_the_error(client):
    errors = []

    def receiver(sender, exception, **extra):
        errors.append(exception)

    with got_request_exception.connected_to(receiver, app):
        answer = client.get("/api/crash")
    assert answer.status_code == 500
    assert [str(error) for error in errors] == ["boom"]
    assert "exception RuntimeError('boom')" in client.get("/api/events").json["events"]


def test_a_custom_signal_carries_our_data(client):
    distances = []

    def receiver(sender, distance, **extra):
        distances.append(distance)

    with run_recorded.connected_to(receiver):
        client.post("/api/runs", json={"distance": 10.5})
        client.post("/api/runs", json={"distance": 42.195})
    assert distances == [10.5, 42.195]
    assert "marathon!" in client.get("/api/events").json["events"]


@pytest.mark.parametrize("body", [{"distance": "far"}, {"distance": True}, [42], "42"])
def test_a_run_needs_a_distance(client, body):
    answer = client.post("/api/runs", json=body)
    assert answer.status_code == 400
    assert answer.json == {
        "status": 400,
        "message": 'expected a JSON object with a numeric "distance"',
    }
