"""Book: chapter 8, "Bringing It All Together": the whole of Runnerly, one command.

``python -m chapter08`` starts each service as its own process, in the order
they need each other: the fake Strava, TokenDealer, the data service, the
Strava worker and the dashboard. It registers the two clients with secrets
made for this run (handed to each process in its environment, never
written down), keeps the state (SQLite file, queue folder, signing keys) in
one temporary folder, waits until each web service's ``/health`` answers,
prefixes each process's output with its name, and on Ctrl-C or SIGTERM stops
every process group, so none is left behind. If one dies, the others stop.

The ports are ``RUNNERLY_PORT_BASE`` (5000) plus 1 to 4, as in the contract
of the services; the tests and chapter 9 use :class:`Stack` directly::

    with Stack(port_base=None) as stack:  # free ports
        requests.get(stack.urls["dashboard"])

:class:`Launcher` is the part that knows nothing of Runnerly: processes,
readiness, output and stopping.

    >>> Ports.from_base(5000)
    Ports(tokendealer=5001, dashboard=5002, dataservice=5003, fakestrava=5004)
"""

import collections
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import requests

from chapter07.tokendealer.clients import register

HOST = "127.0.0.1"
DEFAULT_PORT_BASE = 5000
AUDIENCE = "runnerly-data"
DASHBOARD_CLIENT = "runnerly-dashboard"
WORKER_CLIENT = "runnerly-worker"
CLIENT_SCOPES = {
    DASHBOARD_CLIENT: "users:write strava:tokens sync:write runs:read",
    WORKER_CLIENT: "users:read runs:write strava:tokens sync:write",
}
STRAVA_CLIENT_ID = "1234"  # the fake Strava's one registered app
STOP_GRACE = 10.0  # seconds a process group has to go after SIGTERM


class StartError(RuntimeError):
    """A process exited, or was not ready in time, while the stack started."""

    def __init__(self, name: str, reason: str, output: str):
        super().__init__(f"{name} {reason}; its last output:\n{output}")
        self.name, self.reason, self.output = name, reason, output


@dataclass(frozen=True)
class Service:
    """One process: ready when ``GET health`` answers 200 on ``port`` (or,
    with no health path, when the port opens), or when a line of its output
    matches ``ready_line`` (a worker has no port)."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    health: str | None = "/health"
    ready_line: str | None = None

    @property
    def url(self) -> str | None:
        return f"http://{HOST}:{self.port}" if self.port else None


class Child:
    """A running service: its own process group, its output forwarded."""

    def __init__(self, service: Service, environ: dict, write_line, on_exit):
        self.service = service
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self.saw_ready_line = threading.Event()
        self.exited = threading.Event()
        env = {**environ, **service.env, "PYTHONUNBUFFERED": "1"}
        env.pop("PORT", None)
        if service.port:
            env["PORT"] = str(service.port)
        self.process = subprocess.Popen(
            service.command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            # Its own group: the stack signals the service and whatever it
            # forks (Celery's pool) at once, and Ctrl-C in the terminal
            # reaches the stack only, which then stops the services in turn.
            start_new_session=True,
        )
        self._write_line, self._on_exit = write_line, on_exit
        self._reader = threading.Thread(target=self._forward, daemon=True)
        self._reader.start()

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def output(self) -> str:
        return "\n".join(self.lines)

    def _forward(self) -> None:
        pattern = self.service.ready_line
        with self.process.stdout as stdout:
            for line in stdout:
                line = line.rstrip("\n")
                self.lines.append(line)
                self._write_line(self.name, line)
                if pattern and re.search(pattern, line):
                    self.saw_ready_line.set()
        self.process.wait()  # EOF: every process of the group has gone
        self.exited.set()
        self._on_exit(self)

    def is_ready(self) -> bool:
        service = self.service
        if service.ready_line:
            return self.saw_ready_line.is_set()
        if service.port is None:
            return True
        if service.health is None:
            return port_is_open(service.port)
        try:
            return requests.get(service.url + service.health, timeout=2).ok
        except requests.RequestException:
            return False

    def signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def group_is_gone(self) -> bool:
        self.process.poll()  # reap the leader, or the group lives on as a zombie
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def join(self) -> None:
        self._reader.join(timeout=5)


class Launcher:
    """Start ``services`` one after the other, each once the one before is
    ready; forward their output to ``output``; stop them all."""

    stop_grace = STOP_GRACE

    def __init__(
        self,
        services: list[Service] | None = None,
        output: TextIO | None = None,
        timeout: float = 60.0,
        environ: dict[str, str] | None = None,
    ):
        self.services = list(services or [])
        self.output = output if output is not None else sys.stdout
        self.timeout = timeout
        self.environ = dict(os.environ if environ is None else environ)
        self.children: list[Child] = []
        self._lock = threading.Lock()
        self._exits: collections.deque[Child] = collections.deque()
        self._any_exit = threading.Event()

    @property
    def urls(self) -> dict[str, str]:
        return {s.name: s.url for s in self.services if s.url is not None}

    def start(self) -> "Launcher":
        # Before anything starts: a service that cannot bind its port exits,
        # but the one already there would answer its health check meanwhile.
        for service in self.services:
            if service.port and port_is_open(service.port):
                reason = (
                    f"cannot start: port {service.port} is already in use "
                    "(another stack? set RUNNERLY_PORT_BASE)"
                )
                raise StartError(service.name, reason, "")
        try:
            for service in self.services:
                child = Child(service, self.environ, self._write, self._exited)
                self.children.append(child)
                self._wait_until_ready(child)
        except BaseException:  # StartError, or Ctrl-C while starting
            self.stop()
            raise
        return self

    def _wait_until_ready(self, child: Child) -> None:
        deadline = time.monotonic() + self.timeout
        while not child.is_ready():
            if child.returncode is not None:
                child.exited.wait(5)  # the last lines it printed
                reason = f"exited with code {child.returncode} before it was ready"
                raise StartError(child.name, reason, child.output())
            if time.monotonic() > deadline:
                reason = f"was not ready after {self.timeout:g} s"
                raise StartError(child.name, reason, child.output())
            child.exited.wait(0.1)  # wakes at once if it dies

    def _write(self, name: str, line: str) -> None:
        width = max(len(s.name) for s in self.services)
        with self._lock:
            self.output.write(f"{name:<{width}} | {line}\n")
            self.output.flush()

    def _exited(self, child: Child) -> None:
        self._exits.append(child)
        self._any_exit.set()

    def wait(self, timeout: float | None = None) -> Child | None:
        """The first service that exits (None after ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._exits:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            # In slices: the main thread still handles Ctrl-C and SIGTERM.
            self._any_exit.wait(1.0 if left is None else min(left, 1.0))
        return self._exits[0]

    def stop_service(self, name: str) -> None:
        """Stop one service (a fault to show: "the data service is down")."""
        child = next(c for c in self.children if c.name == name)
        self.children.remove(child)
        child.signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        while not child.group_is_gone():
            if time.monotonic() > deadline:
                child.signal(signal.SIGKILL)
            child.exited.wait(0.05)
        child.join()
        # Stopped on purpose: not the exit that ``wait`` reports.
        if child in self._exits:
            self._exits.remove(child)
        if not self._exits:
            self._any_exit.clear()

    def start_service(self, name: str) -> None:
        """Start a stopped service again, as it started the first time."""
        service = next(s for s in self.services if s.name == name)
        child = Child(service, self.environ, self._write, self._exited)
        self.children.append(child)
        self._wait_until_ready(child)

    def pids(self) -> list[int]:
        return [child.process.pid for child in self.children]

    def stop(self) -> None:
        """SIGTERM to every group, newest first; SIGKILL what is left after
        ``stop_grace`` seconds. A second Ctrl-C cannot interrupt it halfway."""
        mask = {signal.SIGINT, signal.SIGTERM}
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
        try:
            children = list(reversed(self.children))
            for child in children:
                child.signal(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_grace
            for child in children:
                while not child.group_is_gone() and time.monotonic() < deadline:
                    child.exited.wait(0.05)
            for child in children:
                if not child.group_is_gone():
                    child.signal(signal.SIGKILL)
                    while not child.group_is_gone():
                        child.exited.wait(0.05)
                child.join()
            self.children = []
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def banner(self) -> str:
        lines = [f"  {name:<12} {url}" for name, url in self.urls.items()]
        return "\n".join(["Started:", *lines, "Ctrl-C stops everything."])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@dataclass(frozen=True)
class Ports:
    tokendealer: int
    dashboard: int
    dataservice: int
    fakestrava: int

    @classmethod
    def from_base(cls, base: int) -> "Ports":
        return cls(base + 1, base + 2, base + 3, base + 4)

    @classmethod
    def free(cls) -> "Ports":
        """Four ports nothing listens on now (held together, so all differ)."""
        sockets = [socket.socket() for _ in range(4)]
        try:
            for sock in sockets:
                sock.bind((HOST, 0))
            return cls(*(sock.getsockname()[1] for sock in sockets))
        finally:
            for sock in sockets:
                sock.close()


class Stack(Launcher):
    """Runnerly: five services, their clients registered, state in one folder.

    ``port_base=None`` picks free ports; ``state_dir`` (kept at the end) or a
    temporary folder (removed at the end) holds the database, the queue and
    the keys. ``secrets`` holds this run's client secrets once started.
    """

    def __init__(
        self,
        port_base: int | None = DEFAULT_PORT_BASE,
        state_dir: str | os.PathLike | None = None,
        output: TextIO | None = None,
        timeout: float = 60.0,
        environ: dict[str, str] | None = None,
    ):
        super().__init__([], output, timeout, environ)
        self.ports = Ports.free() if port_base is None else Ports.from_base(port_base)
        self._given_state_dir = state_dir
        self._temporary: tempfile.TemporaryDirectory | None = None
        self.state_dir: Path | None = None
        self.secrets: dict[str, str] = {}

    def start(self) -> "Stack":
        if self._given_state_dir is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="runnerly-")
            self.state_dir = Path(self._temporary.name)
        else:
            self.state_dir = Path(self._given_state_dir)
            self.state_dir.mkdir(parents=True, exist_ok=True)
        self.services = self.runnerly_services()
        super().start()
        return self

    def stop(self) -> None:
        try:
            super().stop()
        finally:  # a Ctrl-C held back while stopping is raised at its end
            if self._temporary is not None:
                self._temporary.cleanup()
                self._temporary = None

    def runnerly_services(self) -> list[Service]:
        ports, state = self.ports, self.state_dir
        url = {name: f"http://{HOST}:{port}" for name, port in vars(ports).items()}
        # Made for this run, given to each process in its environment only:
        # TokenDealer gets the hashes, each client its own secret.
        clients = {}
        for client_id, scope in CLIENT_SCOPES.items():
            registration = register(client_id, AUDIENCE, scope)
            clients[client_id] = registration.entry
            self.secrets[client_id] = registration.secret
        clients[DASHBOARD_CLIENT]["token_exchange"] = True  # the runner token
        strava_secret = secrets.token_urlsafe(24)
        broker = self.environ.get("CELERY_BROKER_URL")
        if broker:
            worker_queue = {"CELERY_BROKER_URL": broker}
            dashboard_queue = {"FLASK_CELERY_BROKER_URL": broker}
        else:  # the embedded default: a folder both processes share
            worker_queue = {"RUNNERLY_QUEUE_DIR": str(state / "queue")}
            dashboard_queue = {"FLASK_QUEUE_DIR": str(state / "queue")}
        # One threshold for a stuck sync: the worker's, which resumes it, is
        # the page's, which lets the runner sync again (both 120 s if unset).
        stale_after = self.environ.get("WORKER_STALE_AFTER")
        stuck = {"FLASK_SYNC_STALE_AFTER": stale_after} if stale_after else {}
        strava = {
            "STRAVA_BASE_URL": url["fakestrava"],
            "STRAVA_CLIENT_ID": STRAVA_CLIENT_ID,
            "STRAVA_CLIENT_SECRET": strava_secret,
        }
        return [
            Service(
                "fakestrava",
                python("fakestrava"),
                {
                    "FAKESTRAVA_CLIENT_ID": STRAVA_CLIENT_ID,
                    "FAKESTRAVA_CLIENT_SECRET": strava_secret,
                },
                ports.fakestrava,
                health=None,  # it plays Strava, which has no /health
            ),
            Service(
                "tokendealer",
                python("chapter08.tokendealer"),
                {
                    "FLASK_ISSUER": url["tokendealer"],
                    "FLASK_KEY_DIR": str(state / "keys"),
                    # No file: every registration comes from FLASK_CLIENTS.
                    "FLASK_CLIENTS_FILE": str(state / "no-clients.json"),
                    "FLASK_CLIENTS": json.dumps(clients),
                },
                ports.tokendealer,
            ),
            Service(
                "dataservice",
                python("chapter08.dataservice"),
                {
                    "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{state}/runnerly.db",
                    "FLASK_TOKEN_ISSUER": url["tokendealer"],
                    "FLASK_TOKEN_AUDIENCE": AUDIENCE,
                    "FLASK_CORS_ORIGINS": json.dumps([url["dashboard"]]),
                },
                ports.dataservice,
            ),
            Service(
                "stravaworker",
                python("chapter08.stravaworker"),
                {
                    **worker_queue,
                    **strava,
                    "DATA_SERVICE_URL": url["dataservice"],
                    "TOKEN_ISSUER": url["tokendealer"],
                    "WORKER_CLIENT_ID": WORKER_CLIENT,
                    "WORKER_CLIENT_SECRET": self.secrets[WORKER_CLIENT],
                },
                ready_line=r"@\S+ ready\.",  # Celery's "celery@host ready."
            ),
            Service(
                "dashboard",
                python("chapter08.dashboard"),
                {
                    **dashboard_queue,
                    **stuck,
                    **{f"FLASK_{name}": value for name, value in strava.items()},
                    "FLASK_SECRET_KEY": secrets.token_urlsafe(32),
                    "FLASK_DATA_SERVICE_URL": url["dataservice"],
                    "FLASK_DATA_SERVICE_PUBLIC_URL": url["dataservice"],
                    "FLASK_TOKEN_ISSUER": url["tokendealer"],
                    "FLASK_CLIENT_ID": DASHBOARD_CLIENT,
                    "FLASK_CLIENT_SECRET": self.secrets[DASHBOARD_CLIENT],
                },
                ports.dashboard,
            ),
        ]

    def banner(self) -> str:
        urls = self.urls
        kept = "kept" if self._temporary is None else "removed at the end"
        return "\n".join(
            [
                "",
                f"Runnerly is up: open {urls['dashboard']}",
                "  and log in with Strava: the fake Strava's page lets you pick a",
                "  runner; then press Sync to import their runs.",
                "",
                f"  dashboard     {urls['dashboard']}",
                f"  data service  {urls['dataservice']}",
                f"  TokenDealer   {urls['tokendealer']}",
                f"  fake Strava   {urls['fakestrava']}",
                f"  state folder  {self.state_dir} ({kept})",
                "",
                "Ctrl-C stops everything.",
                "",
            ]
        )


def python(module: str) -> list[str]:
    """``python -m module`` with this interpreter (the stack's virtualenv)."""
    return [sys.executable, "-m", module]


def port_is_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the stack as Ctrl-C does


def serve(launcher: Launcher) -> int:
    """Run ``launcher`` in the foreground until Ctrl-C, SIGTERM or a service
    dies; the exit status: 0 when stopped, 1 when a service failed."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            launcher.start()
        except StartError as error:
            print(f"\nrunnerly: {error}", file=sys.stderr, flush=True)
            return 1
        print(launcher.banner(), flush=True)
        child = launcher.wait()
        print(
            f"\nrunnerly: {child.name} exited with code {child.returncode}; "
            "stopping the others.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except KeyboardInterrupt:
        print("\nrunnerly: stopping every service.", flush=True)
        return 0
    finally:
        launcher.stop()
        signal.signal(signal.SIGTERM, previous)
