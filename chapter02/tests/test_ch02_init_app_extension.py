"""A Flask extension with init_app (chapter02/init_app_extension.py)."""

from chapter02.init_app_extension import RequestId, create_app, request_id


def test_a_request_id_is_made_up_and_sent_back():
    answer = create_app().test_client().get("/api/")
    assert len(answer.headers["X-Request-ID"]) == 32
    assert answer.json == {"request_id": answer.headers["X-Request-ID"]}


def test_the_callers_request_id_is_kept():
    answer = create_app().test_client().get("/api/", headers={"X-Request-ID": "abc"})
    assert answer.headers["X-Request-ID"] == "abc"


def test_errors_carry_the_request_id_too():
    answer = create_app().test_client().get("/nowhere", headers={"X-Request-ID": "x"})
    assert answer.status_code == 404
    assert answer.headers["X-Request-ID"] == "x"


def test_one_extension_serves_many_apps_each_with_its_config():
    first = create_app()
    second = create_app(REQUEST_ID_HEADER="X-Correlation-ID")
    assert first.extensions["request_id"] is second.extensions["request_id"]
    assert first.extensions["request_id"] is request_id
    answer = second.test_client().get("/api/", headers={"X-Correlation-ID": "c1"})
    assert answer.headers["X-Correlation-ID"] == "c1"
    assert "X-Request-ID" not in answer.headers


def test_the_extension_can_bind_at_creation():
    from flask import Flask

    app = Flask(__name__)
    extension = RequestId(app)
    assert app.extensions["request_id"] is extension
