"""The shared fixtures do what chapters rely on: real servers, started and stopped."""

import socket

import pytest
import requests

from testkit import ports, readme, services
from testkit.readme import ShellSession, commands, transcript
from testkit.servers import LiveServer
from testkit.waiting import wait_until


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
    proxy = nginx(services.proxy_to(app.url))
    answer = requests.get(proxy.url, timeout=5)
    assert answer.text == "127.0.0.1"
    assert answer.headers["Server"].startswith("nginx")


@pytest.mark.integration
def test_nginx_runs_lua(nginx):
    proxy = nginx(
        'location / { content_by_lua_block { ngx.say("lua ", 1 + 1) } }', lua=True
    )
    assert requests.get(proxy.url, timeout=5).text == "lua 2\n"


@pytest.mark.integration
def test_nginx_loads_more_modules(tmp_path):
    # ModSecurity's module: its directive is unknown to nginx without it.
    module = {"ngx_http_modsecurity_module.so": "libnginx-mod-http-modsecurity"}
    server = "modsecurity off;\nlocation / { return 200 'on'; }"
    with services.nginx_server(tmp_path, server, modules=module) as proxy:
        assert requests.get(proxy.url, timeout=5).text == "on"


def test_a_missing_nginx_module_skips_with_how_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install it with"):
        services.nginx_server(tmp_path, "", modules={"no-such.so": "pkg-x"})


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


def test_a_console_command_goes_on_after_a_backslash():
    source = "$ echo a \\\n  b \\\n  c\na b c\n$ echo d\nd\n"
    assert transcript(source) == [
        ("echo a \\\n  b \\\n  c", "a b c\n"),
        ("echo d", "d\n"),
    ]


@pytest.fixture
def session():
    shell = ShellSession()
    yield shell
    shell.stop()


@pytest.mark.integration
def test_shell_session_keeps_a_server_and_rewrites_its_port(session):
    session.run("python -m http.server --bind 127.0.0.1 $PORT")
    assert session.server is not None
    port = session.server.port
    assert (
        session.rewrite("curl http://localhost:5000/")
        == f"curl http://localhost:{port}/"
    )
    status = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/"
    assert session.check(status, "200") is None
    assert "expected" in session.check("echo hello", "goodbye")
    session.stop()
    assert not ports.port_is_open(port)


@pytest.mark.integration
def test_a_server_started_with_port_5000_gets_the_free_port(session):
    session.run("PORT=5000 python -m http.server --bind 127.0.0.1 $PORT")
    assert session.server is not None and session.server.port != 5000
    status = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/"
    assert session.check(status, "200") is None


def test_variables_last_from_one_command_to_the_next(session):
    assert session.check("runs=$(echo 42)", "") is None
    assert session.check('echo "$runs runs"', "42 runs") is None
    session.run("export PACE=300")
    assert session.check("echo $PACE \\\n  s/km", "300 s/km") is None
    # A server started afterwards sees what the reader exported.
    session.run("python -c 'import os; print(os.environ[\"PACE\"])'")


def test_shell_session_reports_a_failing_command(session):
    with pytest.raises(AssertionError, match="exited 3"):
        session.run("sh -c 'exit 3'")
    assert "exited 4" in session.check("sh -c 'exit 4'", "")


def test_a_server_that_never_opens_its_port_fails_with_its_output(session, monkeypatch):
    monkeypatch.setattr(readme, "SERVER_START_TIMEOUT", 0.3)
    with pytest.raises(AssertionError, match="(?s)within 0.3s.*booting forever"):
        session.run("echo booting forever; sleep 60")


def test_a_hung_console_command_fails_and_is_ended(session, monkeypatch):
    monkeypatch.setattr(readme, "ONE_SHOT_TIMEOUT", 0.3)
    with pytest.raises(AssertionError, match="(?s)still running after 0.3s.*waiting"):
        session.check("echo waiting; sleep 60", "")
    assert not readme._session_processes(session.terminal.process.pid)


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


def test_wait_until_returns_what_the_condition_gave():
    answers = iter([None, 0, "ready"])
    assert wait_until(lambda: next(answers), interval=0) == "ready"


def test_wait_until_fails_saying_what_it_waited_for():
    with pytest.raises(
        AssertionError, match="the queue to drain: not met within 0.05 s"
    ):
        wait_until(
            lambda: False, timeout=0.05, interval=0.01, what="the queue to drain"
        )


def test_wait_until_reads_a_late_message_only_when_it_fails():
    reads = []

    def output():
        reads.append(1)
        return "server output"

    assert wait_until(lambda: True, what=output)
    assert reads == []
    with pytest.raises(AssertionError, match="server output"):
        wait_until(lambda: False, timeout=0.02, interval=0, what=output)
    assert reads == [1]


@pytest.mark.integration
def test_a_background_command_outlives_the_next_server_until_stop(session, tmp_path):
    marker = tmp_path / "alive"
    session.run(f"while true; do touch {marker}; sleep 0.1; done &")
    session.run("python -m http.server --bind 127.0.0.1 $PORT")
    marker.unlink(missing_ok=True)
    assert wait_until(
        marker.exists, timeout=10, interval=0.05
    )  # the background loop still runs
    loop = session.background[0].pgid
    session.stop()
    # stop() waits for the whole process group: the loop is gone.
    assert readme._processes(pgid=loop) == []


def test_a_background_command_that_failed_is_reported_next(session):
    session.run("sh -c 'echo no broker; exit 4' &")
    wait_until(lambda: session.background[0].returncode == 4, timeout=10, interval=0.05)
    with pytest.raises(AssertionError, match="(?s)exited 4.*no broker"):
        session.check("echo next", "next")


@pytest.mark.integration
def test_kill_names_the_terminal_s_jobs(session, tmp_path):
    # A server runs in the foreground of a reader's terminal: no job number.
    session.run("python -m http.server --bind 127.0.0.1 $PORT")
    session.run("sleep 60 &")
    session.run("kill %1")
    wait_until(
        lambda: readme._processes(pgid=session.background[0].pgid) == [],
        timeout=10,
        interval=0.05,
    )


def test_wait_for_retries_until_the_command_succeeds(session, tmp_path):
    ready = tmp_path / "ready"
    session.run(f"sleep 0.3 && touch {ready} &")
    session.wait_for(f"test -e {ready}")
    assert ready.exists()


def test_a_wait_that_never_succeeds_fails_with_the_command_s_last_output(
    session, monkeypatch
):
    monkeypatch.setattr(readme, "SERVER_START_TIMEOUT", 0.2)
    with pytest.raises(AssertionError, match="(?s)`echo not yet; false`.*not yet"):
        session.wait_for("echo not yet; false")


def test_a_needed_service_is_exported_and_its_local_address_rewritten(session):
    session.provide("redis", "redis://127.0.0.1:6390/0")
    assert session.check("echo $CELERY_BROKER_URL", "redis://127.0.0.1:6390/0") is None
    command = session.rewrite("celery -b redis://127.0.0.1:6379/1 status")
    assert command == "celery -b redis://127.0.0.1:6390/1 status"


@pytest.mark.integration
def test_a_stack_s_ports_move_together_and_its_first_port_makes_it_a_server(
    session,
):
    session.move_ports("STACK_BASE")
    base = session.port_base
    assert session.check("echo $STACK_BASE", str(base)) is None
    assert session.rewrite("curl 127.0.0.1:5003/ localhost:5099") == (
        f"curl 127.0.0.1:{base + 3}/ localhost:{base + 99}"
    )
    assert session.rewrite("127.0.0.1:5000 127.0.0.1:5100") == (
        "127.0.0.1:5000 127.0.0.1:5100"  # $PORT's, and not the stack's
    )
    # A "stack" of one server, on its base + 2: no $PORT in sight.
    session.run("python -m http.server --bind 127.0.0.1 $((STACK_BASE + 2))")
    assert session.server is not None
    status = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5002/"
    assert session.check(status, "200") is None
    session.stop()
    assert not ports.port_is_open(base + 2)


@pytest.mark.integration
def test_ctrl_c_stops_the_stack_and_its_ports_are_no_longer_moved(session):
    session.move_ports("STACK_BASE")
    base = session.port_base
    session.run("python -m http.server --bind 127.0.0.1 $((STACK_BASE + 2))")
    assert session.rewrite("127.0.0.1:5002") == f"127.0.0.1:{base + 2}"
    session.interrupt()
    assert session.server is None
    assert not ports.port_is_open(base + 2)
    assert session.rewrite("127.0.0.1:5002") == "127.0.0.1:5002"


def test_readme_blocks_that_use_a_server_are_integration(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makefile(
        ".md",
        README="""
```python
assert 1 + 1 == 2
```

```console
$ echo self-contained
self-contained
```

<!-- skip: next -->

```shell
make something-that-cannot-run-here
```

```shell
python -m http.server --bind 127.0.0.1 $PORT
```

```console
$ root=http://127.0.0.1:5000/
```

```console
$ curl -s -o /dev/null -w '%{http_code}' $root
200
```

```console
$ echo $HOME | wc -l
1
```

<!-- needs: redis -->

```console
$ echo $CELERY_BROKER_URL
redis://...
```
""",
    )
    result = pytester.runpytest("-m", "not integration", "-v", "-p", "no:cacheprovider")
    # The skip directive and the block it skips stay together; a block that
    # uses a variable set from the server's address needs the server too.
    result.assert_outcomes(passed=5, deselected=5)
    result.stdout.fnmatch_lines(["*line:1,*PASSED*", "*line:5,*PASSED*"])


STACK_THEN_CTRL_C = """
<!-- ports: STACK_BASE -->

```shell
python -m http.server --bind 127.0.0.1 $((STACK_BASE + 2))
```

<!-- wait-for: curl -sf http://127.0.0.1:5002/ -->

```console
$ curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5002/
200
```

<!-- ctrl-c -->

```console
$ echo after the stack
after the stack
```
"""


def test_blocks_after_ctrl_c_are_marked_for_themselves(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".md", README=STACK_THEN_CTRL_C)
    result = pytester.runpytest("-m", "not integration", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=5)


@pytest.mark.integration
def test_ctrl_c_stops_the_stack_a_readme_started(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".md", README=STACK_THEN_CTRL_C)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)


# The root conftest's README collection, in a scratch folder of pytester's.
CONFTEST = """
import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from testkit import readme

pytest_collect_file = Sybil(
    parsers=[
        PythonCodeBlockParser(),
        SkipParser(),
        readme.ShellBlockParser(),
        readme.DirectiveParser(),
    ],
    patterns=["README.md"],
    teardown=readme.stop_servers,
    fixtures=["readme_service"],
).pytest()


@pytest.fixture
def readme_service(request):
    return request.getfixturevalue


def pytest_collection_modifyitems(items):
    readme.mark_integration(items)
"""


def test_a_test_using_a_server_fixture_is_integration(pytester):
    pytester.makeconftest(
        """
from testkit.fixtures import mark_integration, server_fixture


@server_fixture(scope="module")
def some_server():
    yield "started"


def pytest_collection_modifyitems(items):
    mark_integration(items)
"""
    )
    pytester.makepyfile(
        """
def test_plain():
    pass


def test_served(some_server):
    assert some_server == "started"
"""
    )
    result = pytester.runpytest("-m", "not integration", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=1)
