"""Book: chapter 9, "Process management": the whole of Runnerly under Circus.

``python -m chapter09`` (``make run``) builds each service's wheel and
installs it in its own environment (its lock, then the wheel), starts
``circusd`` on ``circus.ini`` with this run's values (ports, folders,
secrets: its environment, which the ini reads as ``$(circus.env.*)``), waits
until every ``/health`` answers, and prints the dashboard's URL. Ctrl-C or
SIGTERM stops ``circusd``, which stops every process it started; the run's
temporary folder goes too. The environments are kept (:class:`Environments`)
and reused by the next start while nothing they are made of has changed, as
a deployment installs a release once and restarts it many times.

The clients and scopes are chapter 8's (:mod:`chapter08.machinery.stack`); only the way
the processes run changes: Circus restarts a process that dies, runs several
per web service on one socket, and takes ``circusctl`` commands.

Where nginx and its Lua module are installed, nginx is one more watcher, in
front of the two services a browser calls (the dashboard and the data
service) with chapter 7's WAF; it takes their public ports, and their
sockets move to ports of their own (base + 12 and + 13)::

    >>> ports = Ports.from_base(5000)
    >>> conf = nginx_conf(Path("/tmp/run"), ports, socket_ports(5000, ports))
    >>> [line.strip() for line in conf.splitlines() if "listen" in line]
    ['listen 127.0.0.1:5002;', 'listen 127.0.0.1:5003;']
    >>> [line.strip() for line in conf.splitlines() if "proxy_pass" in line]
    ['proxy_pass http://127.0.0.1:5012;', 'proxy_pass http://127.0.0.1:5013;']
"""

import contextlib
import fcntl
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import jinja2
import psutil

from chapter07.tokendealer.clients import register
from chapter07.waf_nginx import LUA_MODULES, MODULES, WAF, Limits
from chapter08.machinery.stack import (
    AUDIENCE,
    CLIENT_SCOPES,
    DASHBOARD_CLIENT,
    DEFAULT_PORT_BASE,
    STRAVA_CLIENT_ID,
    WORKER_CLIENT,
    Ports,
    port_is_open,
)

from ..build import build, sources
from ..deploy import LOCKS, install
from ..imports import ROOT

HERE = Path(__file__).resolve().parents[1]
CIRCUS_INI = HERE / "circus.ini"
NGINX_INI = HERE / "nginx.ini"
SERVICES = ("tokendealer", "dataservice", "dashboard", "stravaworker")
WEB = ("tokendealer", "dataservice", "dashboard")
# What nginx fronts: the services a browser calls.
FRONTED = ("dashboard", "dataservice")
# Per client address. A browser's first visit to the dashboard fetches a
# dozen files at once (the page, its styles, its modules): a burst of 50.
LIMITS = {
    "dashboard": Limits(per_minute=1200, burst=50, concurrency=20),
    "dataservice": Limits(per_minute=1200, burst=50, concurrency=20),
}
# Debian installs daemons in sbin, which is not on every user's PATH.
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def find_nginx() -> str | None:
    """nginx's path if it and its Lua module are installed (Debian's packages
    nginx and libnginx-mod-http-lua), else ``None``."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    binary = shutil.which("nginx", path=path)
    if binary and all((MODULES / name).exists() for name in LUA_MODULES):
        return binary
    return None


def socket_ports(base: int | None, public: Ports) -> dict[str, int]:
    """The fronted services' own ports behind nginx: base + 12 and + 13."""
    if base is not None:
        return {"dashboard": base + 12, "dataservice": base + 13}
    while True:  # free ones, not the public ones
        free = Ports.free()
        ports = {"dashboard": free.dashboard, "dataservice": free.dataservice}
        if not set(ports.values()) & set(vars(public).values()):
            return ports


def nginx_conf(run: Path, public: Ports, sockets: dict[str, int]) -> str:
    """nginx.conf for this run, from ``nginx.conf.j2``: its files in ``run``."""
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE),
        autoescape=jinja2.select_autoescape(),  # HTML only: none here
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    services = {
        name: {
            "port": getattr(public, name),
            "socket_port": sockets[name],
            "rate": LIMITS[name].per_minute / 60,
            "burst": LIMITS[name].burst,
            "concurrency": LIMITS[name].concurrency,
        }
        for name in FRONTED
    }
    return templates.get_template("nginx.conf.j2").render(
        run=run,
        logs=run.parent / "logs",
        modules=[MODULES / name for name in LUA_MODULES],
        waf=WAF / "runnerly_waf.lua",
        **services,
    )


def circus_ports(base: int | None) -> dict[str, int]:
    """Circus's own endpoints: base + 55 (circusctl's) and + 56 (its events)."""
    if base is None:
        free = Ports.free()
        return {"ctl": free.tokendealer, "pubsub": free.dashboard}
    return {"ctl": base + 55, "pubsub": base + 56}


class Environments:
    """Each service's environment, built once and reused while nothing it is
    made of changes: its sources, its lock, this Python, uv.

    ``folder/<service>/<key>/venv``, where the key is a digest of all that;
    ``.complete`` is written last, so an interrupted build is made again,
    never used half made. The newest three of each service are kept: a stack
    still running may use an older one.
    """

    KEEP = 3

    def __init__(self, folder: Path, progress: Callable[[str], None] = print):
        self.folder = folder
        self.progress = progress

    @staticmethod
    def key(service: str) -> str:
        digest = hashlib.sha256()
        for part in (sys.version, sys.base_prefix, metadata.version("uv")):
            digest.update(part.encode() + b"\0")
        files = [(path.as_posix(), ROOT / path) for path in sources(service)]
        files.append(("lock", lock_of(service)))
        for name, path in files:
            digest.update(name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]

    def get(self, service: str) -> Path:
        """The environment of ``service``, built first if need be.

        Two starts at once (``make run`` and a test, two terminals) take
        turns on a lock file: else one would remove the other's half-made
        environment as an interrupted build.
        """
        home = self.folder / service / self.key(service)
        home.parent.mkdir(parents=True, exist_ok=True)
        with open(home.parent / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            return self._get(service, home)

    def _get(self, service: str, home: Path) -> Path:
        venv = home / "venv"
        if (home / ".complete").exists():
            (home / ".complete").touch()  # used now: pruned last
            self.progress(f"{service}: unchanged, environment reused")
            return venv
        shutil.rmtree(home, ignore_errors=True)  # a build interrupted earlier
        home.mkdir(parents=True)
        started = time.monotonic()
        self.progress(f"{service}: building its wheel...")
        (wheel,) = build(service, home / "dist", wheel_only=True)
        self.progress(f"{service}: installing {wheel.name} and its lock...")
        install(wheel, venv, lock_of(service))
        (home / ".complete").write_text(f"{wheel.name}\n")
        self.progress(f"{service}: ready in {time.monotonic() - started:.1f} s")
        self.prune(service)
        return venv

    def prune(self, service: str) -> None:
        builds = sorted(
            (marker.stat().st_mtime, marker.parent)
            for marker in (self.folder / service).glob("*/.complete")
        )
        for _, old in builds[: -self.KEEP]:
            shutil.rmtree(old, ignore_errors=True)


def free_base() -> int:
    """A port base whose ports (base + 1..4, nginx's + 12 and + 13, Circus's +
    55 and + 56) are all free now: a second stack beside a running one."""
    for _ in range(50):
        # Below Linux's ephemeral ports (32768 and up), which any outgoing
        # connection may take, and above the test kit's stack bases.
        base = random.randrange(26_000, 32_000, 100)
        if not any(port_is_open(base + n) for n in (1, 2, 3, 4, 12, 13, 55, 56)):
            return base
    raise RuntimeError("no free port range")


def lock_of(service: str) -> Path:
    return LOCKS / f"{service}.txt"


def default_builds() -> Path:
    """Where ``make run`` keeps the environments: in the virtual environment
    that runs it (``make clean`` removes them with it), else the user's cache.
    ``RUNNERLY_BUILDS`` names another folder."""
    if "RUNNERLY_BUILDS" in os.environ:
        return Path(os.environ["RUNNERLY_BUILDS"])
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "runnerly-builds"
    return Path.home() / ".cache" / "runnerly-builds"


class CircusStack:
    """Runnerly under Circus; ``port_base=None``: free ports everywhere.

    ``nginx=False``: no nginx in front, even where it is installed.
    ``builds``: where the services' environments are kept between starts
    (default: in this run's temporary folder, made anew each time).
    ``progress``: called with a line for each step of the start.
    """

    def __init__(
        self,
        port_base: int | None = DEFAULT_PORT_BASE,
        timeout: float = 60.0,
        nginx: bool = True,
        builds: Path | None = None,
        progress: Callable[[str], None] = lambda line: None,
    ):
        self.ports = Ports.free() if port_base is None else Ports.from_base(port_base)
        self.circus = circus_ports(port_base)
        self.nginx = find_nginx() if nginx else None
        # Where the fronted services' Circus sockets listen.
        if self.nginx:
            self.sockets = socket_ports(port_base, self.ports)
        else:
            self.sockets = {name: getattr(self.ports, name) for name in FRONTED}
        self.timeout = timeout
        self.builds = builds
        self.progress = progress
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self._temporary: tempfile.TemporaryDirectory | None = None

    @property
    def endpoint(self) -> str:
        return f"tcp://127.0.0.1:{self.circus['ctl']}"

    def url(self, service: str) -> str:
        """Where a browser calls ``service``: through nginx when it fronts it."""
        return f"http://127.0.0.1:{getattr(self.ports, service)}"

    def socket_url(self, service: str) -> str:
        """The service itself (its Circus socket), without nginx."""
        port = self.sockets.get(service, getattr(self.ports, service))
        return f"http://127.0.0.1:{port}"

    def install(self) -> None:
        """Each service's wheel, built and installed in its own environment
        (or the one built before, unchanged), linked into this run's folder."""
        environments = Environments(
            self.builds or self.folder / "builds", self.progress
        )
        for service in SERVICES:
            (self.folder / "venvs" / service).symlink_to(environments.get(service))

    def migrate(self, environ: dict[str, str]) -> None:
        """The database's tables, made once before the processes start (two
        processes creating them at once race, and one dies)."""
        command = self.folder / "venvs" / "dataservice" / "bin" / "runnerly-dataservice"
        settings = {
            "FLASK_CONFIG": "production",
            "FLASK_SQLALCHEMY_DATABASE_URI": environ["RUNNERLY_DATABASE_URI"],
        }
        subprocess.run(
            [str(command), "migrate"],
            env={"PATH": environ["PATH"], **settings},
            cwd=self.folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def environ(self) -> dict[str, str]:
        """What circus.ini reads as ``$(circus.env.*)``: this run's values."""
        state = self.folder / "state"
        clients, client_secrets = {}, {}
        for client_id, scope in CLIENT_SCOPES.items():
            registration = register(client_id, AUDIENCE, scope)
            clients[client_id] = registration.entry
            client_secrets[client_id] = registration.secret
        clients[DASHBOARD_CLIENT]["token_exchange"] = True  # the runner token
        # A file, not a variable: the hashes hold "$", which Circus expands.
        (state / "clients.json").write_text(json.dumps(clients))
        values = {
            "runnerly_venvs": self.folder / "venvs",
            "runnerly_state": state,
            "runnerly_logs": self.folder / "logs",
            "runnerly_python": sys.executable,
            "runnerly_repo": ROOT,
            "runnerly_database_uri": f"sqlite:///{state}/runnerly.db",
            "circus_endpoint": self.endpoint,
            "circus_pubsub_endpoint": f"tcp://127.0.0.1:{self.circus['pubsub']}",
            "dashboard_secret_key": secrets.token_urlsafe(32),
            "dashboard_client_secret": client_secrets[DASHBOARD_CLIENT],
            "worker_client_secret": client_secrets[WORKER_CLIENT],
            "strava_client_id": STRAVA_CLIENT_ID,
            "strava_client_secret": secrets.token_urlsafe(24),
            # Redis or RabbitMQ when the reader has one; empty: the folder.
            "runnerly_broker_url": os.environ.get("CELERY_BROKER_URL", ""),
            **{f"{name}_port": port for name, port in vars(self.ports).items()},
            **{f"{name}_socket_port": port for name, port in self.sockets.items()},
            # nginx.ini, where nginx is installed: one more watcher.
            "runnerly_include": NGINX_INI if self.nginx else "",
            "runnerly_nginx": self.folder / "nginx",
            "nginx_binary": self.nginx or "",
        }
        environ = {**os.environ, **{k.upper(): str(v) for k, v in values.items()}}
        # circusd loads circus.ini's hooks (chapter09.circus_hooks) from the
        # checkout; the services get nothing of circusd's environment.
        paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        environ["PYTHONPATH"] = os.pathsep.join(paths)
        return environ

    def all_ports(self) -> list[int]:
        """Every port the stack listens on: the services', nginx's, Circus's."""
        return [
            *vars(self.ports).values(),
            *self.circus.values(),
            *self.sockets.values(),
        ]

    def processes(self) -> set[psutil.Process]:
        """circusd, every process under it, any other whose command line
        names this run's folder (a gunicorn worker whose master was killed
        has left circusd's tree, not the folder its command runs from), and
        any that holds one of the stack's ports (an nginx worker whose master
        was killed: its command line is "nginx: worker process")."""
        found: set[psutil.Process] = set()
        if self.process is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                circusd = psutil.Process(self.process.pid)
                found |= {circusd, *circusd.children(recursive=True)}
        if self.folder is not None:
            for process in psutil.process_iter(["cmdline"]):
                if str(self.folder) in " ".join(process.info["cmdline"] or ()):
                    found.add(process)
        ports = set(self.all_ports())
        for held in psutil.net_connections(kind="tcp"):
            listens = held.status == psutil.CONN_LISTEN
            if held.pid and listens and held.laddr.port in ports:
                with contextlib.suppress(psutil.NoSuchProcess):
                    found.add(psutil.Process(held.pid))
        return found

    def start(self) -> "CircusStack":
        busy = [port for port in self.all_ports() if port_is_open(port)]
        if busy:
            raise RuntimeError(f"ports in use: {busy} (set RUNNERLY_PORT_BASE)")
        self._temporary = tempfile.TemporaryDirectory(prefix="runnerly-circus-")
        self.folder = Path(self._temporary.name)
        for name in ("state", "logs", "state/queue", "nginx", "venvs"):
            (self.folder / name).mkdir()
        try:
            if self.nginx:
                run = self.folder / "nginx"
                conf = nginx_conf(run, self.ports, self.sockets)
                (run / "nginx.conf").write_text(conf)
            self.install()
            environ = self.environ()
            self.migrate(environ)
            self.progress(
                "tables made; starting circusd and waiting for every /health..."
            )
            self.process = subprocess.Popen(
                [sys.executable, "-m", "circus.circusd", str(CIRCUS_INI)],
                env=environ,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                # Its own session: Ctrl-C reaches us, and we stop circusd.
                start_new_session=True,
            )
            self.wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def healthy(self, service: str) -> bool:
        try:
            url = f"{self.url(service)}/health"
            # An http:// URL made here, on loopback: no file:// to fear.
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310
                return response.status == 200
        except OSError:
            return False

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not (
            all(self.healthy(service) for service in WEB)
            and port_is_open(self.ports.fakestrava)
        ):
            if self.process.poll() is not None:
                raise RuntimeError(f"circusd exited:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not up after {self.timeout:g} s:\n{self.logs()}")
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-2000:]}"
            for path in sorted((self.folder / "logs").glob("*.log"))
        )

    def circusctl(self, *args: str) -> str:
        """``circusctl --endpoint ... ARGS``: its output."""
        done = subprocess.run(
            [sys.executable, "-m", "circus.circusctl", "--endpoint", self.endpoint,
             "--timeout", "15", *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"circusctl {' '.join(args)}: {done.stderr}")
        return done.stdout

    def stop(self) -> None:
        """SIGTERM to circusd: it stops its watchers, each process gracefully.

        Circus starts each process in a session of its own (``setsid``), so
        a signal to circusd's group reaches none of them: what is still
        running once circusd has gone (a process it lost count of) is
        killed here, or it would keep the ports for the next start.
        """
        if self.process is not None:
            started = self.processes()
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=60)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
            _, left = psutil.wait_procs(started, timeout=5)
            for process in left:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
            psutil.wait_procs(left, timeout=5)
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    def banner(self) -> str:
        return "\n".join([
            "",
            f"Runnerly is up under Circus: open {self.url('dashboard')}",
            "  and log in with Strava: the fake Strava's page lets you pick a",
            "  runner; then press Sync to import their runs.",
            "",
            *(f"  {name:<12} {self.url(name)}" for name in (*WEB, "fakestrava")),
            f"  {'nginx':<12} {self.nginx_says()}",
            f"  logs         {self.folder / 'logs'}",
            f"  builds       {self.builds or self.folder / 'builds'}",
            f"  circusctl    circusctl --endpoint {self.endpoint} status",
            "",
            "Ctrl-C stops everything.",
            "",
        ])  # fmt: skip

    def nginx_says(self) -> str:
        """The banner's nginx line: in front of what, or why not."""
        if not self.nginx:
            why = "not installed" if find_nginx() is None else "left out"
            return f"{why}, services served directly"
        behind = ", ".join(f"{name} :{port}" for name, port in self.sockets.items())
        return f"in front, with chapter 7's WAF (behind it: {behind})"

    def __enter__(self) -> "CircusStack":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
