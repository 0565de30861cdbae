"""ETag / Last-Modified on the service, and a client that revalidates."""

import pytest
import requests
import requests_mock

from chapter05.http_cache import CachingClient, RunStore, create_app


@pytest.fixture
def client():
    return create_app().test_client()


def test_full_answer_carries_validators(client):
    response = client.get("/api/runs")
    assert response.status_code == 200
    assert len(response.json["runs"]) == 5
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["Cache-Control"] == "no-cache"


def test_if_none_match_gives_304_without_body(client):
    etag = client.get("/api/runs").headers["ETag"]
    response = client.get("/api/runs", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_if_modified_since_gives_304(client):
    modified = client.get("/api/runs").headers["Last-Modified"]
    response = client.get("/api/runs", headers={"If-Modified-Since": modified})
    assert response.status_code == 304
    assert response.data == b""


def test_a_change_makes_old_validators_stale(client):
    etag = client.get("/api/runs").headers["ETag"]
    created = client.post("/api/runs", json={"distance": 4200, "duration": 1300})
    assert created.status_code == 201
    assert created.json["id"] == 6
    # Same second, so If-Modified-Since alone could not tell: the ETag can,
    # and it takes precedence.
    modified = client.get("/api/runs").headers["Last-Modified"]
    response = client.get(
        "/api/runs", headers={"If-None-Match": etag, "If-Modified-Since": modified}
    )
    assert response.status_code == 200
    assert len(response.json["runs"]) == 6


@pytest.mark.parametrize("body", [None, [], {"distance": "far", "duration": 1}])
def test_bad_run_is_a_json_400(client, body):
    response = client.post("/api/runs", json=body)
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_same_runs_same_etag():
    runs = [{"id": 1, "distance": 1, "duration": 1}]
    assert RunStore(runs).etag == RunStore(list(runs)).etag


@pytest.mark.integration
def test_caching_client_revalidates_over_http(live_server):
    app = create_app()
    url = f"{live_server(app).url}/api/runs"
    cache = CachingClient()
    first = cache.get(url)
    assert cache.get(url) == first
    assert cache.revalidated == 1
    app.extensions["runs"].add({"distance": 1000, "duration": 300})
    assert len(cache.get(url)["runs"]) == 6  # changed: a full download
    assert cache.revalidated == 1


def test_caching_client_without_validators_does_not_cache():
    session = requests.Session()
    adapter = requests_mock.Adapter()
    session.mount("http://runs.test", adapter)
    adapter.register_uri("GET", "http://runs.test/runs", json={"runs": []})
    cache = CachingClient(session)
    cache.get("http://runs.test/runs")
    cache.get("http://runs.test/runs")
    assert cache.cache == {}
    assert "If-None-Match" not in adapter.last_request.headers


def test_caching_client_raises_on_errors():
    session = requests.Session()
    adapter = requests_mock.Adapter()
    session.mount("http://runs.test", adapter)
    adapter.register_uri("GET", "http://runs.test/runs", status_code=503)
    with pytest.raises(requests.HTTPError):
        CachingClient(session).get("http://runs.test/runs")
