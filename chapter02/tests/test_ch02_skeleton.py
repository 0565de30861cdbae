"""The microservice skeleton (chapter02/skeleton/)."""

import pytest
import requests

from chapter02.skeleton import create_app
from chapter02.skeleton.config import ProductionConfig
from testkit.servers import python_command


@pytest.fixture
def app():
    return create_app("testing")


@pytest.fixture
def client(app):
    return app.test_client()


def test_home_says_which_service_answers(client):
    assert client.get("/api/").json == {"service": "skeleton", "status": "ok"}


def test_errors_are_json(client):
    assert client.get("/api/nowhere").json["status"] == 404
    assert client.delete("/api/").json["status"] == 405


def test_testing_config(app):
    assert app.testing and not app.debug


def test_production_needs_a_secret_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    assert create_app(ProductionConfig).secret_key == "from-the-environment"


def test_flask_config_names_the_config_class(monkeypatch):
    monkeypatch.delenv("FLASK_CONFIG", raising=False)
    assert create_app().config["SECRET_KEY"] == "dev-only-not-secret"
    monkeypatch.setenv("FLASK_CONFIG", "testing")
    assert create_app().testing
    # A name or a class given to create_app wins over the environment.
    assert not create_app("development").testing


def test_an_unknown_config_name_is_refused(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(ValueError, match="no configuration 'staging'"):
        create_app()


def test_overrides_win(app):
    assert create_app("testing", SERVICE_NAME="runs").config["SERVICE_NAME"] == "runs"


@pytest.mark.integration
def test_python_m_runs_it(server_process):
    server = server_process(python_command("-m", "chapter02.skeleton"))
    answer = requests.get(f"{server.url}/api/", timeout=5)
    assert answer.json() == {"service": "skeleton", "status": "ok"}
    assert f"http://127.0.0.1:{server.port}/api/" in server.output()
