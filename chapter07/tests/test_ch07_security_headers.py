"""Security headers and cookies: chapter07/security_headers.py."""

import pytest
from flask import Flask

from chapter07.security_headers import SecurityHeaders, create_app


def set_cookie_attributes(response) -> set[str]:
    (cookie,) = response.headers.getlist("Set-Cookie")
    name_value, *attributes = (part.strip() for part in cookie.split(";"))
    assert name_value.startswith("session=")
    return {attribute.lower() for attribute in attributes}


@pytest.mark.parametrize("path", ["/", "/nowhere"])
def test_every_response_has_the_headers(path):
    response = create_app("testing").test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("config", ["testing", "production"])
def test_the_session_cookie_is_secure_outside_development(config, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 32)  # production has no default
    client = create_app(config).test_client()
    attributes = set_cookie_attributes(client.post("/login"))
    assert {"httponly", "secure", "samesite=lax"} <= attributes


def test_in_development_the_cookie_works_over_http():
    client = create_app("development").test_client()
    attributes = set_cookie_attributes(client.post("/login"))
    assert {"httponly", "samesite=lax"} <= attributes
    assert "secure" not in attributes
    # Sent back over http://, the login holds.
    assert client.get("/").json == {"user": "runner@example.com"}


def test_flask_config_picks_development(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "production")
    monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 32)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("FLASK_CONFIG", "development")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False


def test_a_view_may_set_its_own_policy():
    app = Flask(__name__)
    SecurityHeaders(app, csp={"default-src": "'none'"})

    @app.get("/embed")
    def embed():
        return "ok", {"Content-Security-Policy": "frame-ancestors https://a.example"}

    @app.get("/")
    def index():
        return "ok"

    client = app.test_client()
    embedded = client.get("/embed").headers["Content-Security-Policy"]
    assert embedded == "frame-ancestors https://a.example"
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'none'"


def test_init_app_later():
    headers = SecurityHeaders(referrer_policy="no-referrer")
    app = Flask(__name__)
    headers.init_app(app)
    assert app.extensions["security_headers"] is headers
    response = app.test_client().get("/")
    assert response.headers["Referrer-Policy"] == "no-referrer"
