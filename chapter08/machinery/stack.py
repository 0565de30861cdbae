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

:class:`Launcher`, the part that knows nothing of Runnerly (processes,
readiness, output and stopping), is chapter 6's
(:mod:`chapter06.machinery.launcher`), where several processes first run
together.

    >>> Ports.from_base(5000)
    Ports(tokendealer=5001, dashboard=5002, dataservice=5003, fakestrava=5004)
"""

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from chapter06.machinery.launcher import (  # noqa: F401 (the stack's API)
    DEFAULT_PORT_BASE,
    HOST,
    Launcher,
    Service,
    StartError,
    free_ports,
    port_is_open,
    python,
    serve,
)
from chapter07.tokendealer.clients import register

AUDIENCE = "runnerly-data"
DASHBOARD_CLIENT = "runnerly-dashboard"
WORKER_CLIENT = "runnerly-worker"
CLIENT_SCOPES = {
    DASHBOARD_CLIENT: "users:write strava:tokens sync:write runs:read",
    WORKER_CLIENT: "users:read runs:write strava:tokens sync:write",
}
STRAVA_CLIENT_ID = "1234"  # the fake Strava's one registered app


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
        """Four ports nothing listens on now, all different."""
        return cls(*free_ports(4))


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
