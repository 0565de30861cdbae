"""Book: chapter 10, "Docker Compose": the stack's compose.yaml, checked
against the Compose specification and rendered with its secrets."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chapter10 import make_secrets

HERE = Path(__file__).resolve().parent.parent
COMPOSE = HERE / "compose.yaml"
BIN = Path(sys.executable).parent
RUNNERLY = {"dashboard", "dataservice", "migrate", "tokendealer", "stravaworker"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def render(env_file: Path) -> subprocess.CompletedProcess:
    """``podman-compose config``: the file with its variables substituted."""
    return subprocess.run(
        [BIN / "podman-compose", "-f", COMPOSE, "--env-file", env_file, "config"],
        capture_output=True,
        text=True,
        cwd=env_file.parent,
    )


def test_it_follows_the_compose_specification():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", COMPOSE],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dependency_waits_for_health(compose):
    services = compose["services"]
    for name, service in services.items():
        for needed, condition in service.get("depends_on", {}).items():
            if needed == "migrate":
                assert condition == {"condition": "service_completed_successfully"}
            else:
                assert condition == {"condition": "service_healthy"}, (name, needed)
                assert "healthcheck" in services[needed], needed


def test_runnerly_services_are_read_only_users(compose):
    for name in RUNNERLY:
        service = compose["services"][name]
        assert service["read_only"] is True
        assert service["user"] == "10001"
        assert service["cap_drop"] == ["ALL"]


def test_only_nginx_and_the_fake_strava_are_published_and_on_loopback(compose):
    """nginx is the way in; the fake Strava plays a site of its own, whose
    login page the browser opens (the real Strava would not be in the file)."""
    published = {n: s["ports"] for n, s in compose["services"].items() if "ports" in s}
    assert published == {
        "nginx": ["127.0.0.1:8080:8080"],
        "fakestrava": ["127.0.0.1:8004:8000"],
    }
    dashboard = compose["services"]["dashboard"]["environment"]
    assert dashboard["FLASK_STRAVA_PUBLIC_URL"].endswith("http://127.0.0.1:8004}")


def test_passwords_are_secrets_and_the_rest_comes_from_the_environment(tmp_path):
    values = make_secrets.make(tmp_path)
    assert sorted(p.name for p in (tmp_path / "secrets").iterdir()) == [
        "pgpass",
        "postgres_password",
    ]
    result = render(tmp_path / ".env")
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)["services"]
    dealer = rendered["tokendealer"]["environment"]
    # The registrations arrive whole: JSON, and scrypt hashes with their "$".
    assert json.loads(dealer["FLASK_CLIENTS"]) == json.loads(values["RUNNERLY_CLIENTS"])
    assert "secret_hash" in dealer["FLASK_CLIENTS"]
    dashboard = rendered["dashboard"]["environment"]
    assert dashboard["FLASK_CLIENT_SECRET"] == values["RUNNERLY_DASHBOARD_SECRET"]
    # No password in any environment: the database's is a file.
    password = (tmp_path / "secrets" / "postgres_password").read_text()
    assert password not in result.stdout


def test_without_the_secrets_it_says_how_to_make_them(tmp_path):
    (tmp_path / ".env").write_text("")
    result = render(tmp_path / ".env")
    assert result.returncode != 0
    assert "run python -m chapter10.make_secrets" in result.stdout + result.stderr


def test_secrets_are_only_the_owners(tmp_path):
    make_secrets.make(tmp_path)
    for path in [tmp_path / ".env", *(tmp_path / "secrets").iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, path


def test_secrets_are_ignored_by_git_and_by_image_builds():
    ignored = (HERE / ".gitignore").read_text().split()
    assert {".env", "secrets/"} <= set(ignored)
    # .dockerignore sends nothing but what the Dockerfiles copy.
    lines = (HERE / ".dockerignore").read_text().splitlines()
    allowed = [line for line in lines if line.startswith("!")]
    assert "*" in lines and not any(".env" in a or "secrets" in a for a in allowed)


NGINX_TEST_CONF = """\
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
pid {workdir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site}
}}
"""


def test_the_nginx_site_loads_with_chapter07s_waf(tmp_path):
    """``nginx -t`` of Compose's site, with the WAF's Lua module loaded and
    set up (init_by_lua runs); Compose's service names become 127.0.0.1."""
    from testkit import services

    nginx = services.find_binary("nginx", "sudo apt-get install nginx")
    if not Path("/usr/lib/nginx/modules/ngx_http_lua_module.so").exists():
        services.missing("no Lua module: sudo apt-get install libnginx-mod-http-lua")
    site = (HERE / "nginx" / "runnerly.conf").read_text()
    site = site.replace("dashboard:8000", "127.0.0.1:9").replace(
        "dataservice:8000", "127.0.0.1:9"
    )
    site = site.replace("/etc/nginx/waf/", f"{HERE.parent / 'chapter07' / 'waf'}/")
    site = site.replace("listen 8080;", "listen 127.0.0.1:9;")
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_TEST_CONF.format(workdir=tmp_path, site=site))
    result = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", tmp_path, "-c", conf],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
