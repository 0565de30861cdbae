"""Routing, converters and url_for (chapter02/routing.py, custom_converter.py)."""

import uuid

import pytest

from chapter02.custom_converter import app as converter_app
from chapter02.routing import app


@pytest.fixture
def client():
    return app.test_client()


def test_int_converter_hands_the_view_an_int(client):
    assert client.get("/api/runs/1").json == {"id": 1, "distance_km": 10.2}


def test_int_converter_does_not_match_words(client):
    answer = client.get("/api/runs/abc")
    assert answer.status_code == 404
    assert answer.json["status"] == 404


def test_view_answers_its_own_404_for_a_missing_run(client):
    answer = client.get("/api/runs/99")
    assert answer.status_code == 404
    assert answer.json == {"status": 404, "message": "no run 99"}


def test_query_string_arguments_are_typed_by_the_view(client):
    assert [run["id"] for run in client.get("/api/runs?min_km=6").json] == [1]
    assert len(client.get("/api/runs").json) == 2


def test_a_route_accepts_only_its_methods(client):
    created = client.post("/api/runs")
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/runs/3"
    refused = client.delete("/api/runs")
    assert refused.status_code == 405
    assert set(refused.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert refused.json["status"] == 405


def test_path_converter_keeps_slashes(client):
    answer = client.get("/api/files/2017/march/race.gpx").json
    assert answer == {
        "name": "2017/march/race.gpx",
        "parts": ["2017", "march", "race.gpx"],
    }


def test_uuid_converter_gives_a_uuid(client):
    race = uuid.uuid4()
    assert client.get(f"/api/races/{race}").json == {"race": str(race), "type": "UUID"}
    assert client.get("/api/races/not-a-uuid").status_code == 404


def test_url_for_builds_urls_from_endpoints(client):
    assert client.get("/api/").json == {
        "runs": "/api/runs",
        "run": "/api/runs/1",
        "search": "/api/runs?min_km=6",
        "file": "/api/files/2017/march/race.gpx",
    }


def test_custom_converter_maps_a_name_to_an_id_and_back():
    client = converter_app.test_client()
    assert client.get("/api/runners/freya").json == {
        "id": 2,
        "url": "/api/runners/freya",
    }


def test_custom_converter_rejects_unknown_names_with_a_404():
    answer = converter_app.test_client().get("/api/runners/nobody")
    assert answer.status_code == 404
    assert answer.is_json
