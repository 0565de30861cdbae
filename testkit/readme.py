"""Run the code blocks of the READMEs, as a reader would type them.

Each README gets one terminal: a bash process that every ``shell`` and
``console`` block of the README runs in, top to bottom, so a variable set on
one line is there on the next, as in the reader's own terminal. Python
blocks go to Sybil's own parser.

``shell``
    Commands a reader types to start something. A command that keeps
    running and opens its port is a server: it runs for the blocks that
    follow, until the next server or the end of the README (the reader's
    Ctrl-C). A command ending in ``&`` runs in the background until the end
    of the README. Any other command must exit with status 0. Whatever does
    neither within :data:`SERVER_START_TIMEOUT` fails, with its output.

``console``
    ``$ command`` lines, each followed by the output it should print; a
    command line ending in ``\\`` goes on on the next line. ``...`` in the
    expected output matches anything, and runs of white space compare equal,
    as in doctest. Every command must exit with status 0.

Every example in this repository listens on ``$PORT`` (default 5000). Here
each server gets a free port instead (``PORT=5000`` in its command too, for
a service whose own default is another port), and ``127.0.0.1:5000`` or
``localhost:5000`` in later blocks is rewritten to it. ``SMOKE_TEST=1`` asks
benchmarks for a short run.

What the runner needs and a reader does not see, a README says in HTML
comments. Sybil's own ``<!-- skip: next -->`` (or ``skip: start`` ...
``skip: end``) leaves out what cannot run here, or what the suite runs
elsewhere already; the prose says which. This runner adds:

``<!-- needs: redis -->``, ``<!-- needs: rabbitmq -->``
    Start that service (once for the run: the fixture of :data:`SERVICES`)
    and, from there to the end of the README, point the usual environment
    variables at it and rewrite its usual local address (``127.0.0.1:6379``,
    ``127.0.0.1:5672``) in the commands. The reader's text names their own
    local broker; the suite's lives on a free port.

``<!-- needs: nginx -->``
    The README's own commands start nginx (with its Lua module): skip with
    the install hint where it is missing (fail under ``REQUIRE_SERVICES=1``).

``<!-- wait-for: COMMAND -->``
    Run ``COMMAND`` in the README's terminal until it exits with status 0,
    for at most :data:`SERVER_START_TIMEOUT` seconds: for a background
    worker that is ready a while after it starts.

``<!-- ports: VARIABLE -->``
    For a command that starts several servers on ports 5001 to 5099 (a
    whole stack), moved together by one variable: export ``VARIABLE`` as a
    base whose hundred ports are free, and rewrite ``127.0.0.1:50NN`` in
    the blocks that follow to that base plus NN. A command that opens one
    of those ports is a server; a ``wait-for`` after it waits for the rest.

``<!-- ctrl-c -->``
    The reader's Ctrl-C, where the prose says so: stop the server (a whole
    stack), and from there ``127.0.0.1:50NN`` is that port again, not a
    stack's (for a chapter's one-command demo, before examples on fixed
    ports).

:func:`mark_integration` marks every block that starts or talks to a server
or service ``integration``, so ``make quick`` runs only self-contained ones.
"""

import doctest
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import suppress
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sybil import Example
from sybil.evaluators.skip import Skipper
from sybil.parsers.markdown.lexers import (
    DirectiveInHTMLCommentLexer,
    FencedCodeBlockLexer,
)

from .ports import STACK_PORTS, free_port, free_port_base, port_is_open
from .servers import ROOT
from .waiting import wait_until

DEFAULT_PORT = 5000
ADDRESS = re.compile(rf"\b(127\.0\.0\.1|localhost):{DEFAULT_PORT}\b")
EXPLICIT_PORT = re.compile(rf"\bPORT={DEFAULT_PORT}\b")
# A stack's ports, 5001 to 5099 (``<!-- ports: VARIABLE -->``); 5000 stays $PORT.
STACK_ADDRESS = re.compile(r"\b(127\.0\.0\.1|localhost):50(0[1-9]|[1-9]\d)\b")
CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# Below pytest's own timeout (300 s), so the failure says which command hung.
ONE_SHOT_TIMEOUT = 120
# A loaded 2-core machine under coverage: a smoke benchmark of several
# processes, or a stack, may take half a minute; a hung one still fails.
SERVER_START_TIMEOUT = 60
# Commands that change the terminal itself, or name its jobs (``kill %1``), run
# in it, not in a job of their own.
SHELL_STATE = re.compile(r"^(export|cd|unset|source|\.|set|alias|kill)\b|^\w+=\S*$")
MARK = "__readme_runner__"
# Shell variables set (``name=...``, ``export name=...``) and used (``$name``).
ASSIGNMENT = re.compile(
    r"(?:^\$ |^|[;&|(]\s*|\bexport\s+)([A-Za-z_]\w*)=", re.MULTILINE
)
VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Service:
    """What ``<!-- needs: NAME -->`` starts, and how commands reach it."""

    fixture: str  # the pytest fixture that starts it and gives its URL
    variables: tuple[str, ...]  # exported with its URL
    local: tuple[str, ...]  # a reader's local address, rewritten to it


SERVICES = {
    "redis": Service(
        "redis_url",
        ("CELERY_BROKER_URL", "REDIS_URL"),
        ("redis://127.0.0.1:6379", "redis://localhost:6379"),
    ),
    "rabbitmq": Service(
        "rabbitmq_url",
        ("AMQP_URL",),
        ("amqp://guest:guest@127.0.0.1:5672", "amqp://guest:guest@localhost:5672"),
    ),
    # Installed, not started: the README's commands start it.
    "nginx": Service("nginx_installed", (), ()),
}


class Job:
    """A command the terminal runs in the background, as its own process group."""

    def __init__(self, command: str, pgid: int, log: Path, status: Path):
        self.command = command
        self.pgid = pgid
        self.log = log
        self.status = status
        self.port: int | None = None

    @property
    def returncode(self) -> int | None:
        """The exit status once the command has ended, else None."""
        try:
            text = self.status.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text else None  # empty: being written

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> str:
        """SIGTERM to the whole group, SIGKILL if it lingers; its output."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.pgid, signum)
            except ProcessLookupError:
                break
            if _wait_until_gone(self.pgid, timeout=10):
                break
        return self.output()


class Terminal:
    """One bash process: the reader's terminal for one README."""

    def __init__(self, env: dict[str, str]):
        self.workdir = Path(tempfile.mkdtemp(prefix="readme-"))
        self.count = 0
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # job notices; commands have their own
            text=True,
            start_new_session=True,
        )
        self.answers: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read_answers, daemon=True)
        self.reader.start()
        # Job control: each background job gets its own process group, which
        # stops as a whole; bash reaps the jobs that end.
        self._send("set -m")

    def run(self, command: str, timeout: float) -> tuple[int, str]:
        """Run ``command`` in the terminal itself: (exit status, output)."""
        script, output = self._script(command), self._path("out")
        self._send(f'source {script} > {output} 2>&1 < /dev/null; echo "{MARK} $?"')
        status = self._answer(timeout, lambda: output.read_text(errors="replace"))
        return status, output.read_text(errors="replace")

    def start(self, command: str, env: dict[str, str], job: bool = True) -> Job:
        """Start ``command`` in the background with ``env`` exported.

        ``job=False`` is for a server, which a reader runs in the foreground:
        it takes no job number, so the reader's ``kill %1`` names their own
        first background job, as in their terminal.
        """
        script, log, status = self._script(command), self._path("log"), self._path("rc")
        exports = " ".join(
            f"{name}={shlex.quote(value)}" for name, value in env.items()
        )
        # Inside the job, no job control: the command and its children stay in
        # the job's process group, which Job.stop() ends.
        self._send(
            f"{{ set +m; export {exports}; source {script}; echo $? > {status}; }}"
            f" > {log} 2>&1 < /dev/null &\n"
            f'echo "{MARK} $!"' + ("" if job else "; disown")
        )
        return Job(command, self._answer(10, lambda: ""), log, status)

    def close(self) -> None:
        """End the terminal and anything still running in its session."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        for pid in _session_processes(self.process.pid):
            _kill(pid, signal.SIGTERM)
        with suppress(AssertionError):  # the ones left get SIGKILL below
            wait_until(lambda: not _session_processes(self.process.pid), 10, 0.05)
        for pid in _session_processes(self.process.pid):
            _kill(pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=10)  # it ends at the end of bash's output
        self.process.stdout.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _path(self, kind: str) -> Path:
        self.count += 1
        return self.workdir / f"{self.count:03d}.{kind}"

    def _script(self, command: str) -> Path:
        script = self._path("sh")
        script.write_text(command + "\n")
        return script

    def _send(self, line: str) -> None:
        if self.process.poll() is not None:
            raise AssertionError("the README's terminal has exited (an `exit`?)")
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _answer(self, timeout: float, output) -> int:
        try:
            return int(self.answers.get(timeout=timeout))
        except queue.Empty:
            # Whatever hangs takes the terminal with it: the README stops here.
            text = output()
            self.close()
            raise AssertionError(f"still running after {timeout:g}s:\n{text}") from None

    def _read_answers(self) -> None:
        for line in self.process.stdout:
            if line.startswith(MARK):
                self.answers.put(line.split()[1])


class ShellSession:
    """A README's terminal, its server, background jobs and services."""

    def __init__(self) -> None:
        # The interpreter running the suite (the venv's) comes first, so
        # ``python``, ``flask`` and ``celery`` are the ones installed here.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        env = {**os.environ, "PATH": path, "SMOKE_TEST": "1", "PYTHONUNBUFFERED": "1"}
        for name in ("PORT", "FLASK_RUN_PORT"):
            env.pop(name, None)
        self.terminal = Terminal(env)
        self.server: Job | None = None
        self.background: list[Job] = []
        self.rewrites: list[tuple[str, str]] = []
        self.port_base: int | None = None

    def provide(self, name: str, url: str) -> None:
        """Point the README at a running service (``<!-- needs: NAME -->``)."""
        service = SERVICES[name]
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        for local in service.local:
            self.rewrites.append((local, base))
        if service.variables:
            exports = " ".join(f"{var}={shlex.quote(url)}" for var in service.variables)
            self._in_terminal(f"export {exports}", SERVER_START_TIMEOUT)

    def move_ports(self, variable: str) -> None:
        """A free base for a stack's ports (``<!-- ports: VARIABLE -->``)."""
        self.port_base = free_port_base()
        self._in_terminal(f"export {variable}={self.port_base}", SERVER_START_TIMEOUT)

    def interrupt(self) -> None:
        """The reader's Ctrl-C (``<!-- ctrl-c -->``): the server stops, and a
        stack's ports are no longer moved."""
        self.stop_server()
        self.port_base = None

    def rewrite(self, text: str) -> str:
        for local, actual in self.rewrites:
            text = text.replace(local, actual)
        if self.port_base is not None:
            base = self.port_base
            text = STACK_ADDRESS.sub(lambda m: f"{m[1]}:{base + int(m[2])}", text)
        if self.server is not None:
            text = ADDRESS.sub(rf"\1:{self.server.port}", text)
        return text

    def run(self, command: str) -> None:
        """Run one command of a ``shell`` block: a server, or one that ends."""
        self._check_background()
        command = self.rewrite(command)
        if SHELL_STATE.match(command):
            self._in_terminal(command, SERVER_START_TIMEOUT)
            return
        port = free_port()
        # A service whose own default is another port is started with
        # PORT=5000 in the text, so that the reader's curl finds it.
        command = EXPLICIT_PORT.sub(f"PORT={port}", command)
        background = command.endswith("&")
        command = command.removesuffix("&").strip()
        job = self.terminal.start(
            command, {"PORT": str(port), "FLASK_RUN_PORT": str(port)}, job=background
        )
        if background:
            self.background.append(job)
            return
        try:
            wait_until(
                lambda: (
                    job.returncode is not None
                    or port_is_open(port)
                    or self._opened_a_stack_port()
                ),
                SERVER_START_TIMEOUT,
                0.05,
            )
        except AssertionError:
            output = job.stop()
            raise AssertionError(
                f"$ {command}\nneither ended nor opened port {port} within "
                f"{SERVER_START_TIMEOUT}s:\n{output}"
            ) from None
        if (returncode := job.returncode) is None:
            # A new server replaces the one before, as Ctrl-C then run would.
            self.stop_server()
            job.port = port
            self.server = job
            self._in_terminal(f"export PORT={port}", SERVER_START_TIMEOUT)
            return
        output = job.stop()
        if returncode != 0:
            raise AssertionError(f"$ {command}\nexited {returncode}:\n{output}")

    def check(self, command: str, expected: str) -> str | None:
        """Run one ``console`` command; describe the difference, if any."""
        self._check_background()
        command = self.rewrite(command)
        expected = self.rewrite(expected)
        returncode, got = self.terminal.run(command, ONE_SHOT_TIMEOUT)
        if returncode != 0:
            return f"$ {command}\nexited {returncode}:\n{got}{self._server_output()}"
        if not CHECKER.check_output(
            _ends_in_newline(expected), _ends_in_newline(got), FLAGS
        ):
            return f"$ {command}\nexpected:\n{expected}\ngot:\n{got}"
        return None

    def wait_for(self, command: str) -> None:
        """Run ``command`` until it succeeds (``<!-- wait-for: ... -->``)."""
        command = self.rewrite(command)
        last = ""

        def succeeds() -> bool:
            nonlocal last
            self._check_background()
            returncode, last = self.terminal.run(command, SERVER_START_TIMEOUT)
            return returncode == 0

        wait_until(
            succeeds,
            SERVER_START_TIMEOUT,
            0.2,
            lambda: f"`{command}`, last:\n{last}{self._background_output()}",
        )

    def _opened_a_stack_port(self) -> bool:
        if self.port_base is None:
            return False
        return any(port_is_open(self.port_base + n) for n in range(1, STACK_PORTS))

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def stop(self) -> None:
        """The end of the README: the server, background jobs, the terminal."""
        self.stop_server()
        while self.background:
            self.background.pop().stop()
        self.terminal.close()

    def _in_terminal(self, command: str, timeout: float) -> None:
        returncode, output = self.terminal.run(command, timeout)
        if returncode != 0:
            raise AssertionError(f"$ {command}\nexited {returncode}:\n{output}")

    def _check_background(self) -> None:
        # A worker that died would make the next command fail obscurely.
        for job in self.background:
            if job.returncode not in (None, 0):
                raise AssertionError(
                    f"$ {job.command} &\nexited {job.returncode}:\n{job.output()}"
                )

    def _server_output(self) -> str:
        if self.server is None:
            return ""
        return (
            f"\n(the server `{self.server.command}` printed:)\n{self.server.output()}"
        )

    def _background_output(self) -> str:
        return "".join(
            f"\n(`{job.command} &` printed:)\n{job.output()}" for job in self.background
        )


def session_of(example: Example) -> ShellSession:
    """The README's terminal, made at its first shell, console or directive."""
    namespace = example.namespace
    if "_shell" not in namespace:
        namespace["_shell"] = ShellSession()
    return namespace["_shell"]


def commands(source: str) -> list[str]:
    """The commands of a ``shell`` block: comments dropped, ``\\`` joined."""
    joined = re.sub(r"\s*\\\n\s*", " ", source)
    lines = (line.strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def transcript(source: str) -> list[tuple[str, str]]:
    """The (command, expected output) pairs of a ``console`` block."""
    pairs: list[tuple[str, str]] = []
    continued = False
    for line in source.splitlines():
        if continued:
            command, expected = pairs[-1]
            pairs[-1] = (command + "\n" + line, expected)
        elif line.startswith("$ "):
            pairs.append((line[2:], ""))
        elif pairs:
            command, expected = pairs[-1]
            pairs[-1] = (command, expected + line + "\n")
        continued = bool(pairs) and not pairs[-1][1] and line.endswith("\\")
    return pairs


def evaluate_shell(example: Example) -> None:
    session = session_of(example)
    for command in commands(example.parsed):
        session.run(command)


def evaluate_console(example: Example) -> str | None:
    session = session_of(example)
    for command, expected in transcript(example.parsed):
        problem = session.check(command, expected)
        if problem:
            return problem
    return None


def evaluate_needs(example: Example) -> None:
    session = session_of(example)
    for name in example.parsed:
        url = example.namespace["readme_service"](SERVICES[name].fixture)
        session.provide(name, url)


def evaluate_wait_for(example: Example) -> None:
    session_of(example).wait_for(example.parsed)


def evaluate_ports(example: Example) -> None:
    session_of(example).move_ports(example.parsed)


def evaluate_ctrl_c(example: Example) -> None:
    session_of(example).interrupt()


class ShellBlockParser:
    """Sybil parser for ``shell`` and ``console`` fenced blocks."""

    evaluators = {"shell": evaluate_shell, "console": evaluate_console}

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(language="shell|console")

    def __call__(self, document):
        for region in self.lexer(document):
            region.parsed = str(region.lexemes["source"])
            region.evaluator = self.evaluators[region.lexemes["language"]]
            yield region


class DirectiveParser:
    """Sybil parser for the runner's ``needs``, ``wait-for``, ``ports`` and
    ``ctrl-c`` comments."""

    def __init__(self) -> None:
        # Each directive's reader: its checked arguments and its evaluator.
        self.readers = {
            "needs": _read_needs,
            "wait-for": _read_wait_for,
            "ports": _read_ports,
            "ctrl-c": _read_ctrl_c,
        }
        self.lexer = DirectiveInHTMLCommentLexer(directive="|".join(self.readers))

    def __call__(self, document):
        for region in self.lexer(document):
            read = self.readers[region.lexemes["directive"]]
            arguments = region.lexemes["arguments"].strip()
            region.parsed, region.evaluator = read(document.path, arguments)
            yield region


def _read_needs(path: str, arguments: str):
    names = arguments.replace(",", " ").split()
    unknown = [name for name in names if name not in SERVICES]
    if unknown or not names:
        raise ValueError(
            f"{path}: <!-- needs: {arguments} -->: "
            f"name one or more of {', '.join(SERVICES)}"
        )
    return names, evaluate_needs


def _read_wait_for(path: str, arguments: str):
    return arguments, evaluate_wait_for


def _read_ports(path: str, arguments: str):
    if not re.fullmatch(r"[A-Za-z_]\w*", arguments):
        raise ValueError(
            f"{path}: <!-- ports: {arguments} -->: name one environment variable"
        )
    return arguments, evaluate_ports


def _read_ctrl_c(path: str, arguments: str):
    if arguments:
        raise ValueError(f"{path}: <!-- ctrl-c {arguments} -->: takes no argument")
    return arguments, evaluate_ctrl_c


def stop_servers(namespace: dict) -> None:
    """Sybil teardown: stop whatever the README left running."""
    session = namespace.pop("_shell", None)
    if session is not None:
        session.stop()


DIRECTIVES = (evaluate_needs, evaluate_wait_for, evaluate_ports, evaluate_ctrl_c)


def _after_directive(example: Example, uses_service: set, uses_server: set) -> None:
    """What a directive means for the README's blocks after it."""
    document = str(example.document.path)
    evaluator = example.region.evaluator
    if evaluator is evaluate_needs:
        # An installed command (nginx) is used by blocks marked for what
        # they start or call; a broker's variables are in any block.
        if any(SERVICES[name].variables for name in example.parsed):
            uses_service.add(document)
    elif evaluator is evaluate_ctrl_c:
        uses_server.discard(document)
    else:  # wait-for, ports: a server runs, until the reader's Ctrl-C
        uses_server.add(document)


def mark_integration(items: list[pytest.Item]) -> None:
    """Mark the README blocks that start or talk to a server or service.

    A ``shell`` block starts something; a ``console`` block that names the
    server's address talks to it, and so does one that uses a variable such
    a block set (``etag=$(curl ...)``); after a ``needs`` directive for a
    broker, every shell or console block may use the service, and so may
    every block after a ``wait-for`` or ``ports``, until a ``ctrl-c``. Python
    blocks and console blocks that run a command of their own stay fast, in
    ``make quick``. A block that Sybil's ``skip`` covers runs nothing, and
    stays with its directive (deselected alone, it would leave the skip
    pending for the next block).
    """
    uses_service: set[str] = set()  # a broker's variables are everywhere
    uses_server: set[str] = set()  # until the reader's Ctrl-C
    blocks = [item for item in items if getattr(item, "example", None) is not None]
    for _, readme_blocks in groupby(blocks, key=_document_of):
        server_variables: set[str] = set()
        for item in _not_skipped(readme_blocks):
            example = item.example
            if example.region.evaluator in DIRECTIVES:
                _after_directive(example, uses_service, uses_server)
            if _is_integration(example, uses_service | uses_server, server_variables):
                item.add_marker(pytest.mark.integration)
                if isinstance(example.parsed, str):
                    server_variables.update(ASSIGNMENT.findall(example.parsed))


def _document_of(item: pytest.Item) -> str:
    return str(item.example.document.path)


def _not_skipped(items):
    """One README's items, less Sybil's skip directives and what they cover."""
    skipping = None  # None, "next" or "start"
    for item in items:
        example = item.example
        if isinstance(example.region.evaluator, Skipper):
            action, reason = example.parsed
            if action in ("next", "start") and reason is None:
                skipping = action
            elif action == "end":
                skipping = None
        elif skipping:
            skipping = None if skipping == "next" else skipping
        else:
            yield item


def _is_integration(
    example: Example, server_documents: set[str], server_variables: set[str]
) -> bool:
    """Whether a block starts or talks to a server or service.

    ``server_documents``: the READMEs where, as of this block, a server runs
    or a broker is provided; ``server_variables``: the variables this
    README's integration blocks set so far.
    """
    evaluator = example.region.evaluator
    if evaluator in DIRECTIVES or evaluator is evaluate_shell:
        return True
    if evaluator is not evaluate_console:
        return False  # a Python block
    return (
        str(example.document.path) in server_documents
        or bool(ADDRESS.search(example.parsed))
        or bool(STACK_ADDRESS.search(example.parsed))
        or bool(server_variables & set(VARIABLE.findall(example.parsed)))
    )


def _ends_in_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _wait_until_gone(pgid: int, timeout: float) -> bool:
    with suppress(AssertionError):
        return wait_until(lambda: not _processes(pgid=pgid), timeout, 0.02)
    return False


def _session_processes(sid: int) -> list[int]:
    """The processes of session ``sid`` but its leader: what a terminal ran."""
    return [pid for pid in _processes(sid=sid) if pid != sid]


def _processes(pgid: int | None = None, sid: int | None = None) -> list[int]:
    """Live processes of a process group or a session (zombies are gone:
    bash reaps its jobs, but in its own time)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # After the command name, which may hold spaces: state, ppid, pgrp,
        # session.
        state, _, group, session = stat.rpartition(")")[2].split()[:4]
        if state == "Z":
            continue
        if (pgid is None or int(group) == pgid) and (
            sid is None or int(session) == sid
        ):
            found.append(int(entry.name))
    return found


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
