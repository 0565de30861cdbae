"""/health and /ready: alive, and ready only when database and broker answer."""

import shutil

import pytest

from chapter06.logged_service import create_app


def dispose(app):
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def app():
    app = create_app("testing")
    yield app
    dispose(app)


def test_alive_and_ready(app):
    client = app.test_client()
    assert client.get("/health").json == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"database": "ok"}}


def test_not_ready_without_its_database(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/data.db")
    dispose(app)  # no connection kept open: the next one must open the file
    shutil.rmtree(folder)
    client = app.test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["status"] == 503
    assert response.json["message"].startswith("not ready: database: ")
    assert "unable to open database file" in response.json["checks"]["database"]
    assert "\n" not in response.json["message"]
    # Alive all the same: restarting the service would not bring it back.
    assert client.get("/health").status_code == 200
    dispose(app)


def test_not_ready_while_the_broker_is_down(app, free_port):
    app.config["CELERY_BROKER_URL"] = f"amqp://guest:guest@127.0.0.1:{free_port}//"
    response = app.test_client().get("/ready")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert "Connection refused" in response.json["checks"]["broker"]
    assert response.json["message"] == (
        f"not ready: broker: {response.json['checks']['broker']}"
    )


def test_ready_with_a_real_broker(app, redis_url):
    app.config["CELERY_BROKER_URL"] = redis_url
    response = app.test_client().get("/ready")
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok"},
    }


def test_only_get(app):
    response = app.test_client().post("/ready")
    assert response.status_code == 405
    assert response.json["status"] == 405
