"""Each wheel installed in a fresh environment outside the repository, its
console script run from there (chapter 9, "Distributing")."""

import subprocess

import pytest
import requests

from chapter09.tests.helpers import outside_env

# Each builds the wheels and installs them: seconds, though no server.
pytestmark = pytest.mark.slow


def command(bin_dir, name, *args, cwd):
    return subprocess.run(
        [bin_dir / name, *args], capture_output=True, text=True, cwd=cwd,
        env=outside_env(), timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "project", ["dataservice", "tokendealer", "dashboard", "stravaworker"]
)
def test_the_installed_command_says_its_version(c9_venvs, project, tmp_path):
    done = command(c9_venvs(project), f"runnerly-{project}", "--version", cwd=tmp_path)
    assert done.stdout.strip() == "1.0.0", done.stderr


def test_the_code_comes_from_the_environment_not_the_checkout(c9_venvs, tmp_path):
    python = c9_venvs("dataservice") / "python"
    done = subprocess.run(
        [python, "-c", "import chapter08.dataservice as m; print(m.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=outside_env(),
    )  # fmt: skip
    assert "site-packages/chapter08/dataservice" in done.stdout, done.stderr


@pytest.mark.integration
def test_the_installed_data_service_serves_and_says_its_version(
    c9_venvs, server_process, tmp_path
):
    env = outside_env(FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/data.db")
    server = server_process(
        [c9_venvs("dataservice") / "runnerly-dataservice", "--workers", "2"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    health = requests.get(f"{server.url}/health", timeout=5).json()
    assert health == {"status": "alive", "version": "1.0.0"}
    # The spec is package data: the service read it, or it would not check tokens.
    assert requests.get(f"{server.url}/users", timeout=5).status_code == 401


@pytest.mark.integration
def test_the_installed_dashboard_serves_its_templates_and_static_files(
    c9_venvs, server_process, tmp_path
):
    env = outside_env(FLASK_SECRET_KEY="not-a-secret-only-a-test")
    server = server_process(
        [c9_venvs("dashboard") / "runnerly-dashboard"], cwd=tmp_path, env=env
    )
    page = requests.get(f"{server.url}/", timeout=5)
    assert page.status_code == 200 and "Strava" in page.text
    css = requests.get(f"{server.url}/static/dashboard.css", timeout=5)
    assert css.status_code == 200
    health = requests.get(f"{server.url}/health", timeout=5).json()
    assert health["version"] == "1.0.0"
