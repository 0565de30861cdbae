"""The microservice skeleton (chapter02/skeleton/)."""

import pytest
import requests
from flask import Flask

from chapter02.skeleton import create_app
from chapter02.skeleton.config import ProductionConfig, load_config, with_settings
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


class RunsSettings:
    SERVICE_NAME = "runs"
    PER_PAGE = 20


class InMemory(RunsSettings):
    DATABASE = ":memory:"


def test_a_service_mixes_its_settings_into_each_environment(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    configs = with_settings(RunsSettings, testing=InMemory)
    assert list(configs) == ["development", "testing", "production"]
    testing = create_app(configs["testing"])
    assert testing.testing and testing.config["DATABASE"] == ":memory:"
    assert testing.test_client().get("/api/").json["service"] == "runs"
    development = create_app(configs["development"])
    assert development.config["SECRET_KEY"] == "dev-only-not-secret"
    assert "DATABASE" not in development.config
    # Production still wants its key from the environment.
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app(configs["production"])


def test_the_environment_and_overrides_still_win_over_mixed_in_settings(monkeypatch):
    monkeypatch.setenv("FLASK_PER_PAGE", "50")
    app = create_app(with_settings(RunsSettings)["testing"])
    assert app.config["PER_PAGE"] == 50  # parsed as JSON, as chapter 2 reads it
    app = create_app(with_settings(RunsSettings)["testing"], PER_PAGE=10)
    assert app.config["PER_PAGE"] == 10


def test_a_service_that_extends_another_mixes_into_its_classes():
    class Paged:
        PER_PAGE = 100

    configs = with_settings(Paged, with_settings(RunsSettings, testing=InMemory))
    app = Flask(__name__)
    load_config(app, "testing", configs)
    assert (app.config["PER_PAGE"], app.config["DATABASE"]) == (100, ":memory:")
    assert app.config["SERVICE_NAME"] == "runs"


def test_an_unknown_environment_is_refused():
    with pytest.raises(ValueError, match="no configuration staging"):
        with_settings(RunsSettings, staging=InMemory)


@pytest.mark.integration
def test_python_m_runs_it(server_process):
    server = server_process(python_command("-m", "chapter02.skeleton"))
    answer = requests.get(f"{server.url}/api/", timeout=5)
    assert answer.json() == {"service": "skeleton", "status": "ok"}
    assert f"http://127.0.0.1:{server.port}/api/" in server.output()
