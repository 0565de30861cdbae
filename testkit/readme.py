"""Run the shell examples of the READMEs, as a reader would type them.

Two kinds of fenced block are executed (Python blocks go to Sybil's own
parser):

``shell``
    Commands a reader runs, one a line. A command that keeps running and
    starts answering on its port is a server: it is left running for the
    blocks that follow, until the next server or the end of the README
    (the reader's Ctrl-C). Any other command must exit with status 0.

``console``
    ``$ command`` lines, each followed by the output it should print.
    ``...`` in the expected output matches anything, and runs of white space
    compare equal, as in doctest.

Every example in this repository listens on ``$PORT`` (default 5000). Here
each server gets a free port instead, and ``127.0.0.1:5000`` or
``localhost:5000`` in later blocks is rewritten to it. ``SMOKE_TEST=1`` asks
benchmarks for a short run.

A command ending in ``&`` runs in the background (a Celery worker, say) until
the end of the README, as in the reader's terminal.

Examples that need a broker read its address from the environment, as a
reader sets it for their own broker. A README that names one of
:data:`SERVICE_VARIABLES` gets it set to a real service started by the suite
(the fixture of the same table), once for the whole README.
"""

import doctest
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sybil import Example
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from .ports import free_port, port_is_open
from .servers import ROOT, ServerProcess

DEFAULT_PORT = 5000
ADDRESS = re.compile(rf"\b(127\.0\.0\.1|localhost):{DEFAULT_PORT}\b")
CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
ONE_SHOT_TIMEOUT = 300
SERVER_START_TIMEOUT = 60
# Environment variable -> the pytest fixture giving a real service's URL.
SERVICE_VARIABLES = {
    "AMQP_URL": "rabbitmq_url",
    "CELERY_BROKER_URL": "redis_url",
}


class ShellSession:
    """The reader's terminal for one README: at most one server at a time."""

    def __init__(self, services: dict[str, str] | None = None) -> None:
        self.server: ServerProcess | None = None
        self.background: list[ServerProcess] = []
        self.services = services or {}

    def rewrite(self, text: str) -> str:
        if self.server is None:
            return text
        return ADDRESS.sub(rf"\1:{self.server.port}", text)

    def environment(self, port: int) -> dict[str, str]:
        # The interpreter running the suite (the venv's) comes first, so
        # ``python``, ``flask`` and ``gunicorn`` are the ones installed here.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        return {
            **os.environ,
            "PATH": path,
            "PORT": str(port),
            "FLASK_RUN_PORT": str(port),
            "SMOKE_TEST": "1",
            "PYTHONUNBUFFERED": "1",
            **self.services,
        }

    def run(self, command: str) -> None:
        """Run one command of a ``shell`` block: a server, or a one-shot."""
        command = self.rewrite(command)
        port = free_port()
        if command.endswith("&"):
            self._run_in_background(command.removesuffix("&").strip(), port)
            return
        candidate = ServerProcess(
            ["bash", "-c", command], port=port, env=self.environment(port)
        )
        process = candidate.launch()
        started = time.monotonic()
        while True:
            returncode = process.poll()
            if returncode is not None:
                output = candidate.stop()
                if returncode != 0:
                    raise AssertionError(f"$ {command}\nexited {returncode}:\n{output}")
                return
            if port_is_open(port):
                # A new server replaces the one before, as Ctrl-C then run would.
                self.stop_server()
                self.server = candidate
                return
            waited = time.monotonic() - started
            if waited > ONE_SHOT_TIMEOUT:
                output = candidate.stop()
                raise AssertionError(
                    f"$ {command}\nstill running after {waited:.0f}s:\n{output}"
                )
            time.sleep(0.05)

    def _run_in_background(self, command: str, port: int) -> None:
        process = ServerProcess(
            ["bash", "-c", command], port=port, env=self.environment(port)
        )
        process.launch()
        self.background.append(process)
        time.sleep(0.5)
        returncode = process.process.poll()
        if returncode is not None:
            output = process.stop()
            raise AssertionError(f"$ {command} &\nexited {returncode}:\n{output}")

    def check(self, command: str, expected: str) -> str | None:
        """Run one ``console`` command; describe the difference, if any."""
        command = self.rewrite(command)
        expected = self.rewrite(expected)
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=self.environment(self.server.port if self.server else DEFAULT_PORT),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=ONE_SHOT_TIMEOUT,
        )
        got = result.stdout + result.stderr
        if result.returncode != 0:
            return f"$ {command}\nexited {result.returncode}:\n{got}"
        if not CHECKER.check_output(
            _ends_in_newline(expected), _ends_in_newline(got), FLAGS
        ):
            return f"$ {command}\nexpected:\n{expected}\ngot:\n{got}"
        return None

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def stop(self) -> None:
        """The end of the README: the server and background commands go."""
        self.stop_server()
        while self.background:
            self.background.pop().stop()


def session_of(example: Example) -> ShellSession:
    """The README's terminal, made at its first shell or console block."""
    namespace = example.namespace
    if "_shell" not in namespace:
        text = example.document.text
        lookup = namespace["readme_service"]
        services = {
            variable: lookup(fixture)
            for variable, fixture in SERVICE_VARIABLES.items()
            if variable in text
        }
        namespace["_shell"] = ShellSession(services)
    return namespace["_shell"]


def commands(source: str) -> list[str]:
    """The commands of a ``shell`` block: comments dropped, ``\\`` joined."""
    joined = re.sub(r"\s*\\\n\s*", " ", source)
    lines = (line.strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def transcript(source: str) -> list[tuple[str, str]]:
    """The (command, expected output) pairs of a ``console`` block."""
    pairs: list[tuple[str, str]] = []
    for line in source.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], ""))
        elif pairs:
            command, expected = pairs[-1]
            pairs[-1] = (command, expected + line + "\n")
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


def stop_servers(namespace: dict) -> None:
    """Sybil teardown: stop whatever server the README left running."""
    session = namespace.get("_shell")
    if session is not None:
        session.stop()


def _ends_in_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
