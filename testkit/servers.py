"""Live HTTP servers for tests: a WSGI app in a thread, or any command.

A test that goes over real HTTP (requests, curl, a browser, a proxy in front)
needs the app listening on a socket, not Flask's test client.
"""

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server

from .ports import LOCALHOST, free_port, wait_for_port
from .waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


class LiveServer:
    """Serve a WSGI application from a background thread on a free port."""

    def __init__(self, app, host: str = LOCALHOST, port: int | None = None):
        self.host = host
        self.port = port or free_port()
        self._server = make_server(host, self.port, app, threaded=True)
        # serve_forever checks for shutdown() every poll_interval (0.5 s by
        # default): every stop would wait that long.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "LiveServer":
        self._thread.start()
        wait_for_port(self.port, self.host)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class ServerProcess:
    """Run a command that serves on ``port`` until stopped.

    The command starts from the repository root with ``PORT`` set (the
    convention every example here follows) and is stopped with SIGTERM, then
    SIGKILL if it does not go. Its output goes to a temporary file rather than
    a pipe, so a chatty server never blocks on a full pipe.
    ``ready``, when given, is polled after the port opens until it returns
    true: some servers accept connections before they can serve.
    """

    def __init__(
        self,
        command: Sequence[str],
        port: int | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | str = ROOT,
        host: str = LOCALHOST,
        timeout: float = 30.0,
        ready: Callable[[], bool] | None = None,
    ):
        self.port = port or free_port()
        self.host = host
        self.command = [str(part) for part in command]
        self.cwd = cwd
        self.timeout = timeout
        self.ready = ready
        self.env = {**os.environ, "PORT": str(self.port), **(env or {})}
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile("w+")
        self._final_output = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def launch(self) -> subprocess.Popen:
        """Start the command without waiting for it to listen."""
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            # Own process group, so stop() also ends workers the server forks.
            start_new_session=True,
            # Ctrl-C (SIGINT) works as in a terminal, even when the suite runs
            # where it is ignored (a script's `make test &`), which children
            # would inherit.
            preexec_fn=_default_ctrl_c,
        )
        return self.process

    def start(self) -> "ServerProcess":
        self.launch()
        try:
            wait_for_port(self.port, self.host, self.timeout, self.process)
            self._wait_until_ready()
        except Exception as error:
            output = self.stop()
            raise RuntimeError(f"{' '.join(self.command)}: {error}\n{output}") from None
        return self

    def wait_for_output(self, text: str, timeout: float | None = None) -> str:
        """Until ``text`` is in what the process printed (``timeout``: its
        start's by default); all it printed. Fails at once if it exits."""

        def printed() -> str | None:
            output = self.output()
            if text in output:
                return output
            assert self.process.poll() is None, (
                f"exited with {self.process.returncode}:\n{output}"
            )
            return None

        return wait_until(
            printed,
            timeout or self.timeout,
            what=lambda: (
                f"{text!r} printed by {' '.join(self.command)}:\n{self.output()}"
            ),
        )

    def _wait_until_ready(self) -> None:
        if self.ready is None:
            return
        wait_until(self.ready, self.timeout, what="ready")

    def output(self) -> str:
        """Everything the process printed so far."""
        if self._log.closed:
            return self._final_output
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def stop(self) -> str:
        """Stop the server and return everything it printed."""
        if self.process is not None:
            # The whole group, not just the leader: a shell or make in front
            # of the server exits at once, and the server behind it must have
            # finished too (writing its coverage data, say) before we go on.
            _signal_group(self.process, signal.SIGTERM)
            if not _wait_for_group(self.process, timeout=10):
                _signal_group(self.process, signal.SIGKILL)
                _wait_for_group(self.process, timeout=10)
        self.process = None
        if not self._log.closed:
            self._final_output = self.output()
            self._log.close()
        return self._final_output

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def answer_in_process(client, sent, context) -> bytes:
    """A ``requests_mock`` answer from a Flask test ``client``: the request
    requests would have ``sent``, asked of the app in this process."""
    url = urlsplit(sent.url)
    answer = client.open(
        url.path,
        method=sent.method,
        query_string=url.query,
        headers=dict(sent.headers),
        data=sent.body,
    )
    context.status_code = answer.status_code
    context.headers = dict(answer.headers)
    return answer.get_data()


def python_command(*args: str) -> list[str]:
    """``python ARGS`` with the interpreter that runs the tests."""
    return [sys.executable, *args]


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _wait_for_group(process: subprocess.Popen, timeout: float) -> bool:
    """Wait until every process of the group has gone; False on timeout."""

    def gone() -> bool:
        process.poll()  # reap the leader, or it lingers as a zombie
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    try:
        return wait_until(gone, timeout, 0.02, "the process group gone")
    except AssertionError:
        return False  # the caller kills it
