"""Book: chapter 10, "Running Flask in Docker": the images' HEALTHCHECK
script, against a live service on the host."""

import pytest
from flask import Flask

from chapter10 import healthcheck
from testkit.ports import free_port


def service(status: int) -> Flask:
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"status": "alive" if status == 200 else "failing"}, status

    return app


@pytest.mark.parametrize(("status", "code"), [(200, 0), (503, 1)])
def test_healthy_only_on_the_expected_status(live_server, monkeypatch, status, code):
    server = live_server(service(status))
    monkeypatch.setenv("PORT", str(server.port))
    assert healthcheck.main() == code


def test_another_path_and_status(live_server, monkeypatch):
    """The fake Strava's: its API refusing a request without a token."""
    server = live_server(service(200))
    monkeypatch.setenv("PORT", str(server.port))
    monkeypatch.setenv("HEALTH_PATH", "/api/v3/athlete")
    monkeypatch.setenv("HEALTH_STATUS", "404")
    assert healthcheck.main() == 0


def test_unhealthy_when_nothing_answers(monkeypatch, capsys):
    monkeypatch.setenv("PORT", str(free_port()))
    assert healthcheck.main() == 1
    assert capsys.readouterr().err.startswith("unhealthy: http://127.0.0.1:")
