"""The request and response objects (chapter02/request_response.py)."""

import pytest

from chapter02.request_response import app


@pytest.fixture
def client():
    return app.test_client()


def test_the_view_sees_method_path_arguments_headers_and_body(client):
    answer = client.post(
        "/api/echo?tag=race&tag=10k",
        json={"distance": 10},
        headers={"User-Agent": "runner/1.0"},
    )
    assert answer.json == {
        "method": "POST",
        "path": "/api/echo",
        "args": {"tag": ["race", "10k"]},
        "user_agent": "runner/1.0",
        "json": {"distance": 10},
    }


def test_a_tuple_sets_status_and_headers(client):
    answer = client.post("/api/runs", json={"distance": 5})
    assert answer.status_code == 201
    assert answer.headers["Location"] == "/api/runs/1"
    assert answer.json == {"distance": 5}


@pytest.mark.parametrize(
    "body",
    [
        {"data": "not json", "content_type": "application/json"},
        {"json": ["a", "list"]},
        {"json": {"speed": 3}},
        {"data": "distance=5"},
        # Deeper than Python's JSON parser recurses: still just bad JSON.
        {"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"},
    ],
)
def test_bad_bodies_get_a_json_400(client, body):
    answer = client.post("/api/runs", **body)
    assert answer.status_code == 400
    assert answer.json == {
        "status": 400,
        "message": 'expected a JSON object with "distance"',
    }


def test_make_response_sets_what_jsonify_would_not(client):
    answer = client.get("/api/csv")
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == "attachment; filename=runs.csv"
    assert answer.text.splitlines() == ["id,distance", "1,10.2"]


def test_lists_become_json(client):
    answer = client.get("/api/list")
    assert answer.is_json
    assert answer.json == [1, 2, 3]
