"""Blueprints and URL prefixes (chapter02/blueprints.py)."""

import pytest

from chapter02.blueprints import create_app


@pytest.fixture
def client():
    return create_app().test_client()


def test_each_blueprint_answers_under_its_prefix(client):
    assert client.get("/api/runs/").json == {"runs": [1, 2], "users": "/api/users/"}
    assert client.get("/api/users/").json == {"users": ["tarek"], "runs": "/api/runs/"}


def test_endpoints_are_namespaced_by_blueprint():
    app = create_app()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"runs.list_runs", "users.list_users", "runs_v2.get_run"} <= endpoints


def test_a_blueprint_mounted_twice_builds_its_own_urls(client):
    assert client.get("/api/runs/3").json == {"run": 3, "self": "/api/runs/3"}
    assert client.get("/api/v2/runs/3").json == {"run": 3, "self": "/api/v2/runs/3"}


def test_a_missing_slash_redirects(client):
    answer = client.get("/api/runs")
    assert answer.status_code == 308
    assert answer.headers["Location"] == "http://localhost/api/runs/"
