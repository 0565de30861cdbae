"""Free loopback ports, and waiting for a server to answer on one."""

import random
import socket
import subprocess

from .waiting import wait_until

LOCALHOST = "127.0.0.1"
STACK_PORTS = 100
# Bases below Linux's ephemeral range (32768 and up), where free_port() draws
# and where any outgoing connection may take a port at any time.
# Below chapter 09's free_base (26000 to 32000): two pickers, two ranges.
STACK_BASES = range(20_000, 26_000, STACK_PORTS)


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

    def listening() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening "
                f"on {host}:{port}"
            )
        return port_is_open(port, host)

    wait_until(listening, timeout, 0.05, f"something answering on {host}:{port}")


def free_port_base() -> int:
    """A base whose hundred ports nothing listens on: a stack's 5000 to 5099."""
    for base in random.sample(STACK_BASES, len(STACK_BASES)):
        if not any(port_is_open(base + n) for n in range(STACK_PORTS)):
            return base
    raise AssertionError(f"no {STACK_PORTS} free ports in {STACK_BASES}")
