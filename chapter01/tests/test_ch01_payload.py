"""Unit tests of what the six servers share: routing and the JSON bodies."""

import json
from datetime import UTC, datetime, timedelta

from chapter01 import payload


def body(response: payload.Response) -> dict:
    return json.loads(response.body)


def test_api_says_which_server_answered_and_when():
    response = payload.respond("GET", "/api", "wsgi")

    assert response.status == 200
    data = body(response)
    assert data["server"] == "wsgi"
    answered = datetime.fromisoformat(data["time"])
    assert answered.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - answered) < timedelta(minutes=1)


def test_headers_give_json_and_its_length():
    response = payload.respond("GET", "/api", "wsgi")

    headers = dict(response.all_headers())
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == str(len(response.body))
    assert response.status_line == "200 OK"
    assert response.body.endswith(b"}\n")


def test_unknown_path_is_a_json_404():
    response = payload.respond("GET", "/nope", "wsgi")

    assert response.status_line == "404 Not Found"
    assert body(response) == {
        "status": 404,
        "message": "/nope not found; try GET /api",
    }


def test_wrong_method_is_a_json_405_saying_what_is_allowed():
    response = payload.respond("POST", "/api", "wsgi")

    assert response.status_line == "405 Method Not Allowed"
    assert body(response) == {"status": 405, "message": "POST not allowed on /api"}
    assert ("Allow", "GET") in response.all_headers()


def test_port_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert payload.listen_port() == 5000
    monkeypatch.setenv("PORT", "8123")
    assert payload.listen_port() == 8123
    assert "http://127.0.0.1:8123/api" in payload.banner("wsgi", 8123)
