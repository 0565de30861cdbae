"""Book: chapter 8, "JavaScript authentication": ``/api/token`` and ``/api/sync``.

What the page's script calls on the dashboard: a runner token for the data
service, and "sync now" (queued by ``sync_queue.py``). No server starts:
``dash_wired`` joins the apps in-process.
"""

import re

import jwt
import kombu
import pytest
import requests_mock

from chapter08.dashboard.services import Services
from chapter08.stravaworker.broker import filesystem_options
from chapter08.tests.fixtures_dashboard import dash_forward, dash_log_in


def csrf_token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def queued_messages(folder) -> list:
    """Every message waiting in the filesystem broker's default queue, read
    the worker's way (its folder layout: what the dashboard must match)."""
    options = filesystem_options(str(folder))
    found = []
    with kombu.Connection("filesystem://", transport_options=options) as connection:
        queue = connection.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            found.append((message.headers["task"], message.payload[0]))
            message.ack()
        queue.close()
    return found


@pytest.fixture
def logged_in(dash_wired):
    client = dash_wired.client
    dash_log_in(dash_wired, client)
    return client


def test_health(dash_wired):
    assert dash_wired.client.get("/health").json == {"status": "alive"}


def test_token_needs_a_login(dash_wired):
    answer = dash_wired.client.get("/api/token")
    assert answer.status_code == 401
    assert answer.json == {"status": 401, "message": "Log in with Strava first."}
    assert dash_wired.state.runner_tokens_issued == 0


def test_token_is_a_runner_token_for_the_data_service(dash_wired, logged_in):
    answer = logged_in.get("/api/token")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert set(body) == {"access_token", "expires_in", "data_service", "user_id"}
    assert body["data_service"] == "http://data.test"
    assert body["user_id"] == 1
    assert body["expires_in"] == 300
    # What TokenDealer was asked: this runner, read-only, by token exchange.
    claims = dash_wired.state.tokens[body["access_token"]]
    assert claims["runner_id"] == 1
    assert claims["scope"] == "runs:read"


def test_public_data_service_url_is_what_the_browser_gets(dash_wired):
    dash_wired.app.extensions["dashboard"].public_data_url = "https://data.example"
    client = dash_wired.client
    dash_log_in(dash_wired, client)
    assert client.get("/api/token").json["data_service"] == "https://data.example"


def test_token_service_down_is_a_clear_503(dash_wired, logged_in):
    dash_wired.down.add("dealer.test")
    answer = logged_in.get("/api/token")
    assert answer.status_code == 503
    assert answer.json == {
        "status": 503,
        "message": "The token service is not answering: try again in a moment.",
    }


def test_sync_needs_the_csrf_token(dash_wired, logged_in, tmp_path):
    answer = logged_in.post("/api/sync")
    assert answer.status_code == 400
    assert answer.json == {"status": 400, "message": "The CSRF token is missing."}
    answer = logged_in.post("/api/sync", headers={"X-CSRFToken": "forged"})
    assert answer.status_code == 400
    assert queued_messages(tmp_path / "queue") == []
    assert dash_wired.state.sync == {}


def test_sync_needs_a_login(dash_wired, logged_in, tmp_path):
    token = csrf_token(logged_in)
    with logged_in.session_transaction() as session:
        session.pop("user_id")  # the CSRF secret stays, the login goes
    answer = logged_in.post("/api/sync", headers={"X-CSRFToken": token})
    assert answer.status_code == 401
    assert queued_messages(tmp_path / "queue") == []


def test_sync_marks_queued_and_sends_the_task_by_name(dash_wired, logged_in, tmp_path):
    answer = logged_in.post("/api/sync", headers={"X-CSRFToken": csrf_token(logged_in)})
    assert answer.status_code == 202
    assert answer.json["state"] == "queued"
    assert answer.json["user_id"] == 1
    assert dash_wired.state.sync[1]["state"] == "queued"
    assert ("PUT", "/users/1/sync", "service") in dash_wired.state.calls
    assert queued_messages(tmp_path / "queue") == [("runnerly.sync_user", [1])]


def test_sync_with_the_data_service_down_queues_nothing(
    dash_wired, logged_in, tmp_path
):
    token = csrf_token(logged_in)
    dash_wired.down.add("data.test")
    answer = logged_in.post("/api/sync", headers={"X-CSRFToken": token})
    assert answer.status_code == 503
    assert answer.json["message"] == (
        "The data service is not answering: try again in a moment."
    )
    assert queued_messages(tmp_path / "queue") == []


def test_sync_with_the_broker_down_says_so(dash_wired, logged_in, free_port):
    dash = dash_wired.app.extensions["dashboard"]
    dash.celery.conf.broker_url = f"redis://127.0.0.1:{free_port}/0"  # nobody there
    answer = logged_in.post("/api/sync", headers={"X-CSRFToken": csrf_token(logged_in)})
    assert answer.status_code == 503
    assert answer.json["message"] == (
        "The sync queue is not answering: try again in a moment."
    )
    # The runner sees why on the next poll, not a sync queued forever.
    assert dash_wired.state.sync[1]["state"] == "failed"


def test_runner_token_from_the_real_token_dealer(stack_dealer, stack_clients):
    """The same request, to chapter 8's TokenDealer (helper fixtures_stack)."""
    services = Services(
        {
            "DATA_SERVICE_URL": "http://data.test",
            "TOKEN_ISSUER": "http://dealer.test",
            "CLIENT_ID": "runnerly-dashboard",
            "CLIENT_SECRET": stack_clients.secrets["runnerly-dashboard"],
            "SERVICE_TIMEOUT": 2.0,
        }
    )
    with requests_mock.Mocker() as mocker:
        mocker.register_uri(
            requests_mock.ANY,
            re.compile(r"^http://dealer\.test/"),
            content=dash_forward({"dealer.test": stack_dealer}, set()),
        )
        answer = services.runner_token(7)
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["runner_id"] == 7
    assert claims["scope"] == "runs:read"
    assert claims["act"] == {"sub": "runnerly-dashboard"}
    assert answer["expires_in"] == 300
