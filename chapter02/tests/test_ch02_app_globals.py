"""g, request, current_app and their contexts (chapter02/app_globals.py)."""

import pytest
from flask import current_app, g, request

from chapter02.app_globals import app


@pytest.fixture
def client():
    return app.test_client()


def test_before_request_loads_the_user_into_g(client):
    answer = client.get(
        "/api/whoami", headers={"Authorization": "Bearer secret-token-freya"}
    )
    assert answer.json == {"user": "freya", "service": "globals-demo"}


def test_g_is_per_request(client):
    client.get("/api/whoami", headers={"Authorization": "Bearer secret-token-tarek"})
    # The next request starts with a fresh g: no user leaks from the last one.
    assert client.get("/api/public").json == {"user": None}


def test_g_does_not_outlive_its_request():
    with app.test_request_context("/api/public"):
        g.note = "left by the first request"
    with app.test_request_context("/api/public"):
        assert "note" not in g


def test_no_token_is_a_json_401(client):
    answer = client.get("/api/whoami")
    assert answer.status_code == 401
    assert answer.json["message"] == "send Authorization: Bearer <token>"


def test_globals_need_a_context():
    with pytest.raises(RuntimeError, match="outside of application context"):
        current_app.name  # noqa: B018 - the access itself is the test
    with pytest.raises(RuntimeError, match="outside of request context"):
        request.path  # noqa: B018


def test_an_app_context_gives_current_app_and_g_but_no_request():
    with app.app_context():
        assert current_app.config["SERVICE_NAME"] == "globals-demo"
        g.user = "set by hand"
        assert g.user == "set by hand"
        with pytest.raises(RuntimeError, match="outside of request context"):
            request.path  # noqa: B018


def test_a_request_context_gives_request_too():
    with app.test_request_context("/api/whoami?x=1"):
        assert request.args["x"] == "1"
        # current_app is a proxy to the app of the context, not the app itself.
        assert current_app._get_current_object() is app
