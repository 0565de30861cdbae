"""Fixtures shared by every chapter, and the README examples as tests.

Chapters add their own ``conftest.py`` for what only they use (an app, a
client); what starts real servers lives here so that every chapter starts them
the same way.
"""

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from testkit import ports, rabbitmq, services
from testkit.readme import ShellBlockParser, stop_servers
from testkit.servers import LiveServer, ServerProcess

# Every README.md is a test module: its python, shell and console blocks run
# in order, so the text a reader copies cannot drift from the code.
pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), ShellBlockParser(), SkipParser()],
    patterns=["README.md"],
    teardown=stop_servers,
    fixtures=["readme_service"],
).pytest()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Under REQUIRE_SERVICES=1 (CI) no test may skip, whatever the cause.
    report = yield
    return services.no_skip_when_required(report)


@pytest.fixture
def free_port() -> int:
    return ports.free_port()


@pytest.fixture
def live_server():
    """Serve WSGI apps over real HTTP: ``live_server(app).url``."""
    started: list[LiveServer] = []

    def serve(app) -> LiveServer:
        server = LiveServer(app).start()
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()


@pytest.fixture
def server_process():
    """Run commands that serve on ``$PORT``: ``server_process([...]).url``."""
    started: list[ServerProcess] = []

    def run(command, **options) -> ServerProcess:
        server = ServerProcess(command, **options).start()
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real Redis for the whole run; tests use ``redis_url``."""
    server = services.redis_server(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """A Redis URL emptied before the test, so no test sees another's keys."""
    import redis

    url = f"redis://{redis_server.host}:{redis_server.port}/0"
    with redis.Redis.from_url(url) as client:
        client.flushall()
    return url


@pytest.fixture
def readme_service(request):
    """For README examples: ``readme_service("redis_url")`` starts it lazily.

    Only a README that needs a broker starts one (see testkit/readme.py).
    """
    return request.getfixturevalue


@pytest.fixture(scope="session")
def rabbitmq_server(tmp_path_factory):
    """One real RabbitMQ for the whole run: it takes seconds to start."""
    server = rabbitmq.rabbitmq_server(tmp_path_factory.mktemp("rabbitmq")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbitmq_url(rabbitmq_server) -> str:
    """``amqp://guest:guest@127.0.0.1:<port>/%2F``; tests use unique names."""
    return rabbitmq_server.url


@pytest.fixture
def nginx(tmp_path):
    """Start a real nginx: ``nginx(server="location / {...}", lua=False)``."""
    started: list[ServerProcess] = []

    def run(server: str, http: str = "", lua: bool = False) -> ServerProcess:
        workdir = tmp_path / f"nginx{len(started)}"
        workdir.mkdir()
        process = services.nginx_server(workdir, server, http=http, lua=lua).start()
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop()
