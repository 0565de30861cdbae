"""gzip both ways: responses to clients that accept it, request bodies in."""

import gzip

import pytest
import requests

from chapter05.compression import MAX_INFLATED, create_app, inflate, post_gzipped


@pytest.fixture
def client():
    return create_app().test_client()


def test_gzip_response_when_accepted(client):
    response = client.get("/api/runs", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get("/api/runs")
    assert gzip.decompress(response.data) == plain.data
    assert len(response.data) < len(plain.data)


def test_plain_response_when_not_accepted_or_small(client):
    assert "Content-Encoding" not in client.get("/api/runs").headers
    small = client.get("/api/runs?count=1", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_gzip_request_body_is_inflated(client):
    response = client.post(
        "/api/runs",
        data=gzip.compress(b'{"runs": [1, 2, 3]}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.json == {"received": 3}


def test_plain_request_body_still_works(client):
    assert client.post("/api/runs", json={"runs": []}).json == {"received": 0}


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"not gzip", "gzip", 400),
        (gzip.compress(b'{"runs": []}', mtime=0)[:-12], "gzip", 400),  # truncated
        (gzip.compress(b"[]", mtime=0), "gzip", 400),  # valid gzip, not the object
        (b"{}", "br", 415),
    ],
)
def test_bad_bodies_are_json_errors(client, body, encoding, status):
    response = client.post(
        "/api/runs",
        data=body,
        headers={"Content-Encoding": encoding, "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.json["status"] == status


def test_a_gzip_bomb_is_refused(client):
    bomb = gzip.compress(b"0" * (MAX_INFLATED + 1))
    response = client.post("/api/runs", data=bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_inflate_roundtrip():
    assert inflate(gzip.compress(b"runs")) == b"runs"


@pytest.mark.integration
def test_client_side_over_http(live_server):
    url = f"{live_server(create_app()).url}/api/runs"
    with requests.Session() as session:
        response = session.get(url)  # requests asks for gzip and inflates
        assert response.headers["Content-Encoding"] == "gzip"
        runs = response.json()["runs"]
        assert post_gzipped(session, url, {"runs": runs}).json() == {
            "received": len(runs)
        }
