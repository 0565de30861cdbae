"""Configuration from an object, a file and the environment
(chapter02/configuration.py)."""

import pytest

from chapter02.configuration import create_app


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("FLASK_CONFIG", "FLASK_SETTINGS_FILE", "FLASK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def shown(app) -> dict:
    return app.test_client().get("/api/config").json


def test_the_object_gives_the_environment_defaults():
    assert create_app("development").config["DEBUG"] is False
    assert create_app("testing").config["TESTING"] is True


def test_the_file_overrides_the_object():
    config = shown(create_app("development"))
    assert config["service"] == "runnerly-config-demo"
    assert config["strava"] == {
        "BASE_URL": "http://127.0.0.1:5001",
        "CLIENT_ID": "1234",
    }


def test_another_file_can_be_named_in_the_environment(monkeypatch, tmp_path):
    settings = tmp_path / "prod.toml"
    settings.write_text('SERVICE_NAME = "other"\nMAX_RUNS_PER_PAGE = 10\nSTRAVA = {}\n')
    monkeypatch.setenv("FLASK_SETTINGS_FILE", str(settings))
    assert shown(create_app("development"))["max_runs_per_page"] == 10


def test_the_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv("FLASK_MAX_RUNS_PER_PAGE", "20")  # parsed as JSON: an int
    monkeypatch.setenv("FLASK_STRAVA__CLIENT_ID", '"5678"')
    config = shown(create_app("development"))
    assert config["max_runs_per_page"] == 20
    assert config["strava"]["CLIENT_ID"] == "5678"
    assert config["strava"]["BASE_URL"] == "http://127.0.0.1:5001"


def test_flask_config_picks_the_config_class(monkeypatch):
    assert shown(create_app())["testing"] is False  # development by default
    monkeypatch.setenv("FLASK_CONFIG", "testing")
    assert shown(create_app())["testing"] is True


def test_an_unknown_config_name_says_which_exist(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(ValueError, match="one of development, testing, production"):
        create_app()


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app("production")


def test_production_takes_its_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-vault")
    app = create_app("production")
    assert app.secret_key == "from-the-vault"
    # The API says there is a key, never what it is.
    assert shown(app)["secret_key_set"] is True
    assert "from-the-vault" not in app.test_client().get("/api/config").text
