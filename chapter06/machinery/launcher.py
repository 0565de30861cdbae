"""Ours: start several processes, wait for each, stop them all.

Chapter 6 is the first to run several services at once (a GELF receiver, a
trace collector, two data services); chapters 7 to 10 do too, and chapter
8's stack is built on this. :class:`Launcher` starts each :class:`Service`
in its own process group once the one before it is ready (its health URL
answers, its port opens, or a line of its output says so), forwards each
process's output prefixed with its name, and stops every group on Ctrl-C or
SIGTERM (SIGKILL after a grace), so no process is left behind. If one dies,
:func:`serve` stops the others::

    launcher = Launcher([Service("data", python("chapter06.logged_service"),
                                 port=5001, health="/health")])
    sys.exit(serve(launcher, "chapter06"))

    >>> len(set(free_ports(3)))
    3
"""

import argparse
import collections
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

import requests

HOST = "127.0.0.1"
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
    # What the "port already in use" error suggests.
    port_hint = "set RUNNERLY_PORT_BASE"
    # Services the others report to (a log or trace collector): stopped once
    # the others have gone, so that their last records still arrive.
    stop_last: tuple[str, ...] = ()

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
                    f"(another stack? {self.port_hint})"
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
        ``stop_grace`` seconds. Those named in ``stop_last`` go once the
        others have gone. A second Ctrl-C cannot interrupt it halfway."""
        mask = {signal.SIGINT, signal.SIGTERM}
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
        try:
            children = list(reversed(self.children))
            self._stop([c for c in children if c.name not in self.stop_last])
            self._stop([c for c in children if c.name in self.stop_last])
            self.children = []
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def _stop(self, children: list[Child]) -> None:
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

    def banner(self) -> str:
        lines = [f"  {name:<12} {url}" for name, url in self.urls.items()]
        return "\n".join(["Started:", *lines, "Ctrl-C stops everything."])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def python(module: str) -> list[str]:
    """``python -m module`` with this interpreter (the stack's virtualenv)."""
    return [sys.executable, "-m", module]


def port_is_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_ports(count: int) -> list[int]:
    """``count`` ports nothing listens on now (held together, so all differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the stack as Ctrl-C does


def serve(launcher: Launcher, name: str = "runnerly") -> int:
    """Run ``launcher`` in the foreground until Ctrl-C, SIGTERM or a service
    dies; the exit status: 0 when stopped, 1 when a service failed. ``name``
    starts the lines it prints itself."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            launcher.start()
        except StartError as error:
            print(f"\n{name}: {error}", file=sys.stderr, flush=True)
            return 1
        print(launcher.banner(), flush=True)
        child = launcher.wait()
        print(
            f"\n{name}: {child.name} exited with code {child.returncode}; "
            "stopping the others.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except KeyboardInterrupt:
        print(f"\n{name}: stopping every service.", flush=True)
        return 0
    finally:
        launcher.stop()
        signal.signal(signal.SIGTERM, previous)


DEFAULT_PORT_BASE = 5000


def pick_ports(base: int | None, count: int) -> list[int]:
    """BASE+1 to BASE+count; with no base, 5001 and up when all are free,
    else any free ports (a class's machines may run something on 5001)."""
    if base is None:
        ports = [DEFAULT_PORT_BASE + n for n in range(1, count + 1)]
        return free_ports(count) if any(map(port_is_open, ports)) else ports
    return [base + n for n in range(1, count + 1)]


def port_base(prog: str, doc: str | None, count: int, argv=None) -> int | None:
    """A demo's command line: ``--port-base`` (or ``RUNNERLY_PORT_BASE``, as
    chapters 8 and 9 read it); None when neither is given."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(doc or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    base = os.environ.get("RUNNERLY_PORT_BASE")
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(base) if base else None,
        help=f"ports are BASE+1 to BASE+{count} (default: {DEFAULT_PORT_BASE + 1} "
        "and up when free, else any free ports)",
    )
    return parser.parse_args(argv).port_base


def run_demo(
    prog: str,
    doc: str | None,
    count: int,
    make: Callable[[int | None], Launcher],
    argv=None,
) -> int:
    """A chapter's ``python -m chapterNN``: its command line read
    (:func:`port_base`), ``make(base)`` served until Ctrl-C; the exit status."""
    base = port_base(prog, doc, count, argv)
    try:
        return serve(make(base), prog.split()[-1])
    except KeyboardInterrupt:  # pressed again while stopping: already stopped
        return 0
