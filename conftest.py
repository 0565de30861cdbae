"""Fixtures shared by every chapter, and the README examples as tests.

Chapters add their own ``conftest.py`` for what only they use (an app, a
client); what starts real servers lives here so that every chapter starts them
the same way.
"""

import doctest
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from sybil.parsers.rest import DocTestParser

from testkit import fixtures, ports, postgres, rabbitmq, readme, services
from testkit.fixtures import server_fixture
from testkit.servers import LiveServer, ServerProcess

# testkit's own tests run scratch suites with pytester.
pytest_plugins = ["pytester"]

# Every README.md is a test module: its python, shell and console blocks run
# in order, in one terminal, so the text a reader copies cannot drift from the
# code. The docstring examples (``>>>``) of every module of the book run too.
pytest_collect_file = (
    Sybil(
        parsers=[
            PythonCodeBlockParser(),
            readme.ShellBlockParser(),
            readme.DirectiveParser(),
            SkipParser(),
        ],
        patterns=["README.md"],
        teardown=readme.stop_servers,
        fixtures=["readme_service"],
    )
    + Sybil(
        parsers=[DocTestParser(optionflags=doctest.ELLIPSIS)],
        patterns=["*.py"],
        excludes=["tests/*", "conftest.py", "testkit/*", "docs/*"],
    )
).pytest()


def pytest_collection_modifyitems(items):
    """Mark what starts a server ``integration``, so ``make quick`` starts none."""
    fixtures.mark_integration(items)
    readme.mark_integration(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Under REQUIRE_SERVICES=1 (CI) no test may skip, whatever the cause.
    report = yield
    return services.no_skip_when_required(report)


@pytest.fixture
def free_port() -> int:
    return ports.free_port()


def starts_a_server(request) -> None:
    """A test that starts a server must say so: ``make quick`` starts none.

    The fixtures a test names are marked for it (``@server_fixture``); one it
    asks for at run time (``request.getfixturevalue``) needs the mark on the
    test.
    """
    node = request.node
    if not (node.get_closest_marker("integration") or node.get_closest_marker("e2e")):
        pytest.fail(
            f"{node.nodeid} starts a server ({request.fixturename}): "
            "mark it @pytest.mark.integration",
            pytrace=False,
        )


@server_fixture
def live_server(request):
    """Serve WSGI apps over real HTTP: ``live_server(app).url``."""
    starts_a_server(request)
    started: list[LiveServer] = []

    def serve(app) -> LiveServer:
        server = LiveServer(app).start()
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()


@server_fixture
def server_process(request):
    """Run commands that serve on ``$PORT``: ``server_process([...]).url``."""
    starts_a_server(request)
    started: list[ServerProcess] = []

    def run(command, **options) -> ServerProcess:
        server = ServerProcess(command, **options).start()
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


@server_fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real Redis for the whole run; tests use ``redis_url``."""
    with services.redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@server_fixture
def redis_url(request, redis_server) -> str:
    """A Redis URL emptied before the test, so no test sees another's keys."""
    starts_a_server(request)
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
def nginx_installed() -> str:
    """For a README that runs a command starting nginx itself (``needs: nginx``)."""
    return services.nginx_with_lua()


@pytest.fixture(scope="session")
def podman_installed() -> str:
    """podman's binary, for a test that runs podman as a reader does
    (``python -m chapter10``): with chapter 10's settings, and its local
    base image made first (once per machine, about 40 s)."""
    from testkit import podman  # chapter 10's engine: only where it is needed

    settings = Path(__file__).parent / "chapter10" / "containers.conf"
    engine = podman.podman(settings)
    engine.base_image()
    return engine.binary


@server_fixture(scope="session")
def rabbitmq_server(tmp_path_factory):
    """One real RabbitMQ for the whole run: it takes seconds to start."""
    with rabbitmq.rabbitmq_server(tmp_path_factory.mktemp("rabbitmq")) as server:
        yield server


@server_fixture
def rabbitmq_url(request, rabbitmq_server) -> str:
    """``amqp://guest:guest@127.0.0.1:<port>/%2F``; tests use unique names."""
    starts_a_server(request)
    return rabbitmq_server.url


@server_fixture
def nginx(request, tmp_path):
    """Start a real nginx: ``nginx(server="location / {...}", lua=False)``."""
    starts_a_server(request)
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


@server_fixture(scope="session")
def postgres_server():
    """One real PostgreSQL for the whole run; tests use ``postgres_url``."""
    with postgres.postgres_server() as server:
        yield server


@server_fixture
def postgres_url(request, postgres_server) -> str:
    """``postgresql+psycopg://...``: a new empty database for each test."""
    starts_a_server(request)
    name = postgres_server.create_database()
    yield postgres_server.database_url(name)
    postgres_server.drop_database(name)
