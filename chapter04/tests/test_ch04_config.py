"""The factory's configuration: environments, environment variables, Celery."""

import pytest

from chapter04 import dataservice
from chapter04.monolith.app import create_app
from chapter04.monolith.models import User, db
from testkit.databases import close_database


def test_flask_config_names_the_configuration(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "testing")
    for app in (create_app(), dataservice.create_app()):
        assert app.config["TESTING"]
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
        close_database(app)
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(ValueError, match="no configuration 'staging'"):
        create_app()


def test_development_is_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_CONFIG", raising=False)
    # Not the development database in the checkout's instance folder.
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/d.db")
    app = create_app()
    assert app.config["SECRET_KEY"] == "dev-only-not-secret"
    assert not app.config["TESTING"]
    close_database(app)


def test_production_needs_a_secret_key(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY"):
        create_app("production")


def test_settings_from_the_environment(monkeypatch, tmp_path):
    database = tmp_path / "env.db"
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{database}")
    app = create_app("production")
    assert app.config["SECRET_KEY"] == "from-env"
    with app.app_context():
        db.session.add(User(email="a@example.com"))
        db.session.commit()
        db.engine.dispose()
    assert database.exists()


def test_a_broker_url_switches_to_a_real_worker():
    app = create_app("testing", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    celery = app.extensions["celery"]
    assert not celery.conf.task_always_eager
    assert celery.conf.broker_url == "redis://127.0.0.1:1/0"
    assert celery.conf.beat_schedule["fetch-all-runs"]["schedule"] == 3600
    # The default: in-process, no broker needed.
    default = create_app("testing")
    assert default.extensions["celery"].conf.task_always_eager
    close_database(app)
    close_database(default)


def test_password_is_hashed():
    user = User(email="a@example.com")
    assert not user.check_password("anything")  # no password set: no login
    user.set_password("secret-word")
    assert "secret-word" not in user.password_hash
    assert user.check_password("secret-word")
    assert not user.check_password("other")
