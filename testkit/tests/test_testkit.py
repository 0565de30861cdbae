"""The shared fixtures do what chapters rely on: real servers, started and stopped."""

import os
import socket
import time

import pytest
import requests

from testkit import ports, services
from testkit.readme import ShellSession, commands, transcript
from testkit.servers import LiveServer


def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("HTTP_X_FORWARDED_FOR", "direct").encode()]


def test_free_port_is_bindable(free_port):
    with socket.socket() as sock:
        sock.bind((ports.LOCALHOST, free_port))


def test_live_server_serves_a_wsgi_app(live_server):
    server = live_server(hello_app)
    assert requests.get(server.url, timeout=5).text == "direct"


def test_live_server_stops():
    with LiveServer(hello_app) as server:
        assert ports.port_is_open(server.port)
    assert not ports.port_is_open(server.port)


@pytest.mark.integration
def test_real_redis_answers(redis_url):
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.set("runner", "tarek")
        assert client.get("runner") == b"tarek"


@pytest.mark.integration
def test_real_nginx_proxies_to_a_live_server(nginx, live_server):
    app = live_server(hello_app)
    proxy = nginx(
        f"""
        location / {{
            proxy_pass {app.url};
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
        """
    )
    answer = requests.get(proxy.url, timeout=5)
    assert answer.text == "127.0.0.1"
    assert answer.headers["Server"].startswith("nginx")


@pytest.mark.integration
def test_nginx_runs_lua(nginx):
    proxy = nginx(
        'location / { content_by_lua_block { ngx.say("lua ", 1 + 1) } }', lua=True
    )
    assert requests.get(proxy.url, timeout=5).text == "lua 2\n"


def test_a_missing_service_skips_with_how_to_install(monkeypatch):
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    with pytest.raises(
        pytest.skip.Exception, match="install it with: apt-get install x"
    ):
        services.find_binary("no-such-binary-here", "apt-get install x")


def test_a_missing_service_fails_when_required(monkeypatch):
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES=1"):
        services.find_binary("no-such-binary-here", "apt-get install x")


def test_shell_blocks_split_into_commands():
    source = "# start it\npython -m x \\\n  --flag\n\ncurl y\n"
    assert commands(source) == ["python -m x --flag", "curl y"]


def test_console_blocks_split_into_commands_and_output():
    source = "$ echo a\na\n$ echo b\nb\nc\n"
    assert transcript(source) == [("echo a", "a\n"), ("echo b", "b\nc\n")]


def test_shell_session_keeps_a_server_and_rewrites_its_port():
    session = ShellSession()
    try:
        session.run("python -m http.server --bind 127.0.0.1 $PORT")
        assert session.server is not None
        port = session.server.port
        rewritten = session.rewrite("curl http://localhost:5000/")
        assert rewritten == f"curl http://localhost:{port}/"
        status = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/"
        assert session.check(status, "200") is None
        assert "expected" in session.check("echo hello", "goodbye")
    finally:
        session.stop()
    assert not ports.port_is_open(port)


def test_shell_session_reports_a_failing_command():
    with pytest.raises(AssertionError, match="exited 3"):
        ShellSession().run("exit 3")


def skipped_report(reason: str) -> pytest.TestReport:
    longrepr = ("test_x.py", 1, f"Skipped: {reason}")
    return pytest.TestReport(
        "test_x.py::test_x", ("test_x.py", 1, "test_x"), {}, "skipped", longrepr, "call"
    )


def test_a_skip_stays_a_skip_by_default(monkeypatch):
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    report = services.no_skip_when_required(skipped_report("no redis"))
    assert report.skipped


def test_any_skip_fails_when_services_are_required(monkeypatch):
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    report = services.no_skip_when_required(skipped_report("no redis"))
    assert report.failed
    assert "REQUIRE_SERVICES=1" in report.longrepr
    assert "no redis" in report.longrepr


def eventually(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_background_command_outlives_the_next_server_until_stop(tmp_path):
    marker = tmp_path / "alive"
    session = ShellSession()
    try:
        session.run(f"while true; do touch {marker}; sleep 0.1; done &")
        session.run("python -m http.server --bind 127.0.0.1 $PORT")
        marker.unlink(missing_ok=True)
        assert eventually(marker.exists)  # the background loop still runs
        loop = session.background[0].process.pid
    finally:
        session.stop()
    # stop() waits for the whole process group: the loop is gone.
    with pytest.raises(ProcessLookupError):
        os.killpg(loop, 0)


def test_a_background_command_that_fails_at_once_is_reported():
    with pytest.raises(AssertionError, match="exited 4"):
        ShellSession().run("exit 4 &")


def test_services_named_by_a_readme_reach_its_commands():
    session = ShellSession({"AMQP_URL": "amqp://example/"})
    assert session.check("echo $AMQP_URL", "amqp://example/") is None
