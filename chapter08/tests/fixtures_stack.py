"""Chapter 8 fixtures (stack): TokenDealer's registered clients and app, and
the whole stack started by ``chapter08.machinery.stack``."""

import io
import json
from dataclasses import dataclass

import psutil
import pytest

from chapter07.tokendealer.clients import register
from chapter08.machinery.stack import Launcher, Service, Stack
from chapter08.tokendealer import create_app as create_dealer
from testkit.fixtures import server_fixture
from testkit.ports import free_port
from testkit.runnerly import dealer_settings
from testkit.servers import ServerProcess, python_command

# What conftest's star import takes: the fixtures, not the helpers.
__all__ = [
    "stack_clients",
    "stack_dealer",
    "stack_dealer_process",
    "stack_foreground",
    "stack_launch",
    "stack_runnerly",
]

AUDIENCE = "runnerly-data"
DASHBOARD = "runnerly-dashboard"
WORKER = "runnerly-worker"
DASHBOARD_SCOPE = "users:write strava:tokens sync:write runs:read"
WORKER_SCOPE = "users:read runs:write strava:tokens sync:write"


@dataclass
class StackClients:
    entries: dict  # what TokenDealer is given: hashes, no secret
    secrets: dict  # client id -> secret, as each client holds it


@pytest.fixture(scope="session")
def stack_clients() -> StackClients:
    """The two clients of the contract, plus two for the refusals: one that
    may exchange but has no ``runs:read``, one whose flag is not ``true``."""
    registrations = {
        DASHBOARD: (register(DASHBOARD, AUDIENCE, DASHBOARD_SCOPE), True),
        WORKER: (register(WORKER, AUDIENCE, WORKER_SCOPE), None),
        "writer": (register("writer", AUDIENCE, "users:write"), True),
        "truthy": (register("truthy", AUDIENCE, "runs:read"), "yes"),
    }
    entries, secrets = {}, {}
    for client_id, (registration, flag) in registrations.items():
        entries[client_id] = dict(registration.entry)
        if flag is not None:
            entries[client_id]["token_exchange"] = flag
        secrets[client_id] = registration.secret
    return StackClients(entries, secrets)


@pytest.fixture
def stack_dealer(tmp_path, stack_clients):
    """Chapter 8's TokenDealer, in-process."""
    return create_dealer("testing", **dealer_settings(tmp_path, stack_clients.entries))


@server_fixture
def stack_dealer_process(tmp_path, stack_clients):
    """``python -m chapter08.tokendealer``, configured by environment only."""
    process = ServerProcess(
        python_command("-m", "chapter08.tokendealer"),
        env={
            "FLASK_KEY_DIR": str(tmp_path / "keys"),
            "FLASK_CLIENTS_FILE": str(tmp_path / "clients.json"),
            "FLASK_CLIENTS": json.dumps(stack_clients.entries),
            "FLASK_RUNNER_TOKEN_LIFETIME": "120",
        },
    ).start()
    yield process
    process.stop()


# The launcher (test_ch08_stack_*.py): stand-ins first, then the real stack.

# A stand-in service: prints what it is told, then dies, or waits (printing a
# worker's "ready" line), or serves /health on $PORT. "stubborn" ignores
# SIGTERM and forks a child that ignores it too. Each notes in STANDIN_LOG
# when it started and when it began to serve.
STANDIN = r"""
import http.server, os, signal, subprocess, sys
name, mode = os.environ["STANDIN_NAME"], os.environ.get("STANDIN_MODE", "serve")
def note(text):
    with open(os.environ["STANDIN_LOG"], "a") as log:
        log.write(f"{name} {text}\n")
note("started")
print(f"{name} says {os.environ.get('STANDIN_SAY', '')!r}", flush=True)
print(f"{name} port {os.environ.get('PORT')}", flush=True)
if mode == "die":
    print("boom", flush=True)
    sys.exit(3)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
if mode == "line":
    print(f"{name}@host ready.", flush=True)
    while True:
        signal.pause()
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health)
note("serving")
server.serve_forever()
"""


def stack_standin(name: str, log, mode: str = "serve", **options) -> Service:
    """A :class:`~chapter08.machinery.stack.Service` running :data:`STANDIN`."""
    env = {"STANDIN_NAME": name, "STANDIN_MODE": mode, "STANDIN_LOG": str(log)}
    env.update(options.pop("env", {}))
    if mode != "line":
        options.setdefault("port", free_port())
    else:
        options.setdefault("ready_line", r"@\S+ ready\.")
    return Service(name, python_command("-c", STANDIN), env, **options)


@server_fixture
def stack_launch(tmp_path):
    """``stack_launch([services], **options)``: a started Launcher, stopped
    at the end whatever the test did."""
    launchers = []

    def launch(services, stop_grace=None, **options):
        launcher = Launcher(services, output=io.StringIO(), **options)
        if stop_grace is not None:
            launcher.stop_grace = stop_grace
        launchers.append(launcher)
        return launcher.start()

    yield launch
    for launcher in launchers:
        launcher.stop()


SERVE = """
import json, sys
from chapter08.machinery.stack import Launcher, Service, serve
launcher = Launcher([Service(**spec) for spec in json.loads(sys.argv[1])])
launcher.stop_grace = 1  # for the stubborn one: then SIGKILL
sys.exit(serve(launcher))
"""


class StackForeground(ServerProcess):
    """``serve()`` in a process, run by testkit's supervisor."""

    def __init__(self, services):
        specs = [vars(service) for service in services]
        super().__init__(python_command("-c", SERVE, json.dumps(specs)))
        self.launch()

    @property
    def lines(self) -> list[str]:
        return self.output().splitlines()

    def wait_until_up(self) -> list[psutil.Process]:
        self.wait_for_output("Ctrl-C stops everything.", timeout=30)
        return psutil.Process(self.process.pid).children(recursive=True)

    def finish(self) -> int:
        return self.process.wait(timeout=30)


@server_fixture
def stack_foreground():
    """``stack_foreground([services])``: ``serve()`` of them in a process."""
    started = []

    def run(services) -> StackForeground:
        started.append(StackForeground(services))
        return started[-1]

    yield run
    for foreground in started:  # a failed test must not leave it running
        foreground.stop()


@server_fixture(scope="module")
def stack_runnerly():
    """The whole Runnerly stack (``chapter08.machinery.stack.Stack``) on free ports,
    once per module; its output is in ``stack.output.getvalue()``."""
    stack = Stack(port_base=None, output=io.StringIO())
    stack.start()
    yield stack
    stack.stop()
