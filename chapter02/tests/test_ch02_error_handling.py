"""Every error answers JSON; debug stays off (chapter02/error_handling.py,
chapter02/skeleton/errors.py)."""

import logging

import pytest

from chapter02.error_handling import app


@pytest.fixture
def client():
    return app.test_client()


def test_abort_in_a_view_is_a_json_404(client):
    answer = client.get("/api/runs/7")
    assert answer.status_code == 404
    assert answer.json == {"status": 404, "message": "no run 7"}


def test_an_unknown_url_is_a_json_404(client):
    answer = client.get("/nowhere")
    assert answer.status_code == 404
    assert answer.json["status"] == 404
    assert answer.json["message"].startswith("The requested URL was not found")


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(client):
    answer = client.post("/api/runs/1")
    assert answer.status_code == 405
    assert answer.json["status"] == 405
    assert "GET" in answer.headers["Allow"]


def test_an_unexpected_error_is_a_json_500_logged_not_shown(client, caplog):
    with caplog.at_level(logging.ERROR):
        answer = client.get("/api/divide/1/0")
    assert answer.status_code == 500
    assert answer.json["status"] == 500
    assert "ZeroDivisionError" not in answer.text
    assert "ZeroDivisionError" in caplog.text


def test_the_happy_path(client):
    assert client.get("/api/divide/6/3").json == {"result": 2.0}
    assert client.get("/api/runs/1").json["distance_km"] == 10.2


def test_debug_is_off_unless_asked_for():
    assert app.debug is False


def test_in_debug_mode_the_error_goes_to_the_debugger():
    app.debug = True
    try:
        with pytest.raises(ZeroDivisionError):
            app.test_client().get("/api/divide/1/0")
    finally:
        app.debug = False
