"""Free loopback ports, and waiting for a server to answer on one."""

import socket
import subprocess
import time

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def port_is_open(port: int, host: str = LOCALHOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(
    port: int,
    host: str = LOCALHOST,
    timeout: float = 30.0,
    process: subprocess.Popen | None = None,
) -> None:
    """Block until something accepts connections on ``host:port``.

    When the server is a child ``process`` that dies first, fail at once
    rather than waiting for the timeout.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening "
                f"on {host}:{port}"
            )
        if port_is_open(port, host):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on {host}:{port} after {timeout}s")
