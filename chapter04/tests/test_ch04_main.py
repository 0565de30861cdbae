"""The one-command runs: ``python -m chapter04.monolith`` and ``.dataservice``."""

import html
import re

import pytest
import requests

from testkit.servers import python_command

pytestmark = pytest.mark.integration


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]


def test_monolith_serves_with_its_fake_strava(server_process):
    server = server_process(
        python_command("-m", "chapter04.monolith"),
        env={"RUNNERLY_ADMIN_PASSWORD": "demo-password"},
    )
    with requests.Session() as browser:
        page = browser.get(f"{server.url}/login", timeout=10)
        assert page.status_code == 200
        assert "<h1>Log in</h1>" in page.text
        home = browser.post(
            f"{server.url}/login",
            data={
                "csrf_token": csrf_token(page.text),
                "email": "admin@example.com",
                "password": "demo-password",
            },
            timeout=10,
        )
        assert "Connect with Strava" in home.text
        # Connecting sends the browser to the fake Strava it started.
        connect = browser.get(
            f"{server.url}/strava/connect", allow_redirects=False, timeout=10
        )
        strava_url = re.search(r"Fake Strava on (\S+)/", server.output())[1]
        assert connect.headers["Location"].startswith(f"{strava_url}/oauth/authorize")
        # The user clicks Authorize on the fake's page; the browser follows
        # the redirects back to Runnerly's callback, then to the dashboard.
        authorize = browser.get(connect.headers["Location"], timeout=10)
        fields = dict(
            re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', authorize.text)
        )
        fields = {name: html.unescape(value) for name, value in fields.items()}
        home = browser.post(
            f"{strava_url}/oauth/authorize",
            data={**fields, "decision": "authorize"},
            timeout=10,
        )
        assert "Connected to Strava." in home.text
        home = browser.post(
            f"{server.url}/strava/fetch",
            data={"csrf_token": csrf_token(home.text)},
            timeout=10,
        )
        assert re.search(r"\d+ new runs imported.", home.text)
        assert 'id="totals"' in home.text
    output = server.output()
    assert f"Runnerly on {server.url}/" in output
    assert "Log in as admin@example.com with password demo-password" in output


def test_dataservice_serves(server_process, tmp_path):
    database = tmp_path / "data.db"
    server = server_process(
        python_command("-m", "chapter04.dataservice"),
        env={"FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"},
    )
    response = requests.post(
        f"{server.url}/users", json={"email": "ada@example.com"}, timeout=10
    )
    assert response.status_code == 201
    assert requests.get(f"{server.url}/users", timeout=10).json() == [response.json()]
    assert f"Data service on {server.url}/users" in server.output()
    assert database.exists()
