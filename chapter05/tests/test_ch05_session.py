"""The requests Session extension: configuration, and the peer mocked or real."""

import threading

import pytest
import requests
import requests_mock
from flask import Flask

from chapter05.session_extension import (
    IDEMPOTENT_METHODS,
    PeerSession,
    TimeoutSession,
    create_app,
)

PEER = "http://peer.test"


@pytest.fixture
def app():
    return create_app(PEER_URL=PEER, TESTING=True)


@pytest.fixture
def peer(app):
    """The peer mocked at the transport: no socket is opened."""
    adapter = requests_mock.Adapter()
    PeerSession.session(app).mount(PEER, adapter)
    return adapter


def test_extension_lives_in_app_extensions(app):
    session = app.extensions["peer_session"]
    assert isinstance(session, TimeoutSession)
    with app.app_context():
        assert PeerSession.session() is session


def test_configuration_comes_from_app_config():
    app = Flask(__name__)
    app.config.update(
        PEER_TIMEOUT=1.5,
        PEER_POOL_CONNECTIONS=3,
        PEER_POOL_MAXSIZE=7,
        PEER_RETRIES=2,
        PEER_BACKOFF=0.5,
        PEER_HEADERS={"X-Service": "dashboard"},
    )
    session = PeerSession(app).session(app)
    assert session.timeout == 1.5
    headers = (session.headers["X-Service"], session.headers["Accept"])
    assert headers == ("dashboard", "application/json")
    adapter = session.get_adapter("http://anything/")
    assert (adapter._pool_connections, adapter._pool_maxsize) == (3, 7)
    retry = adapter.max_retries
    assert (retry.total, retry.backoff_factor) == (2, 0.5)
    assert set(retry.status_forcelist) == {502, 503, 504}
    assert "POST" not in retry.allowed_methods
    assert retry.allowed_methods == IDEMPOTENT_METHODS
    assert session.get_adapter("https://anything/") is adapter


def test_defaults_fill_missing_keys():
    app = Flask(__name__)
    PeerSession().init_app(app)
    assert app.config["PEER_TIMEOUT"] == 5.0
    assert app.extensions["peer_session"].timeout == 5.0


def test_every_call_gets_the_default_timeout(app, peer):
    peer.register_uri("GET", f"{PEER}/runs/tarek", json={"runs": []})
    session = PeerSession.session(app)
    session.get(f"{PEER}/runs/tarek")
    session.get(f"{PEER}/runs/tarek", timeout=0.5)
    assert [request.timeout for request in peer.request_history] == [5.0, 0.5]


def test_stats_with_the_peer_mocked(app, peer):
    runs = [{"distance": 10000, "duration": 3000}, {"distance": 5000, "duration": 1500}]
    peer.register_uri("GET", f"{PEER}/runs/tarek", json={"runs": runs})
    response = app.test_client().get("/api/runners/tarek/stats")
    assert response.status_code == 200
    assert response.json == {
        "runner": "tarek",
        "runs": 2,
        "distance": 15000,
        "duration": 4500,
        "pace": 300.0,
    }
    assert peer.last_request.headers["User-Agent"].startswith("runnerly-dashboard")


@pytest.mark.parametrize(
    ("peer_answer", "status"),
    [
        ({"status_code": 404, "json": {"status": 404}}, 404),
        ({"status_code": 500, "json": {"status": 500}}, 502),
        ({"exc": requests.ConnectTimeout}, 502),
        ({"exc": requests.ConnectionError}, 502),
    ],
)
def test_peer_failures_become_json_errors(app, peer, peer_answer, status):
    peer.register_uri("GET", f"{PEER}/runs/tarek", **peer_answer)
    response = app.test_client().get("/api/runners/tarek/stats")
    assert response.status_code == status
    assert response.json["status"] == status


def test_peer_mounted_in_the_same_app(app):
    client = app.test_client()
    assert len(client.get("/peer/runs/sarah").json["runs"]) == 5
    assert client.get("/peer/runs/nobody").status_code == 404


@pytest.mark.integration
def test_against_a_real_peer(live_server):
    peer_server = live_server(create_app())
    app = create_app(PEER_URL=f"{peer_server.url}/peer")
    response = app.test_client().get("/api/runners/sarah/stats")
    assert response.json["runs"] == 5


@pytest.mark.integration
def test_idempotent_calls_are_retried_on_503(live_server):
    answers = iter([503, 503, 200])
    calls = []
    peer_app = Flask(__name__)

    @peer_app.get("/runs/<runner>")
    def flaky(runner):
        calls.append(runner)
        status = next(answers)
        return {"runs": []}, status

    url = live_server(peer_app).url
    app = create_app(PEER_URL=url, PEER_BACKOFF=0)
    response = app.test_client().get("/api/runners/tarek/stats")
    assert response.status_code == 200
    assert len(calls) == 3


@pytest.mark.integration
def test_a_silent_peer_times_out(live_server):
    release = threading.Event()
    peer_app = Flask(__name__)

    @peer_app.get("/runs/<runner>")
    def silent(runner):
        release.wait(5)
        return {"runs": []}

    url = live_server(peer_app).url
    app = create_app(PEER_URL=url, PEER_TIMEOUT=0.2, PEER_RETRIES=0)
    response = app.test_client().get("/api/runners/tarek/stats")
    release.set()
    # Had it waited, the peer would have answered 200 after 5 s.
    assert response.status_code == 502
