"""Book: chapter 9, "Process management": a stopped service refuses its callers.

Circus opens each web service's socket itself and keeps it open while its
processes come and go: a process killed or reloaded never closes the port,
and the kernel queues the connections that arrive meanwhile until a new
process accepts them (its listen backlog). That is what a restart wants,
and what a stop does not: with the watcher stopped (``circusctl stop``), no
process will accept for minutes, yet every caller's connection is accepted
by the kernel and hangs until the caller's timeout; and when the watcher
starts again, its processes read the queued requests and run them, long
after their callers gave up. A worker's import that timed out ran then,
and the worker's retry, finding those runs there, counted none as new.

These two hooks, on each watcher that serves on Circus sockets
(``hooks.after_stop`` and ``hooks.before_start`` in circus.ini), make a
stopped service refuse: once its processes are gone, its socket stops
listening (the connections still queued are reset: none of them ran, a
retry is safe), and before its processes start again it listens anew: the
same socket, the same file descriptor the commands name
(``--bind fd://$(circus.sockets.NAME)``). A caller gets "connection
refused" at once, nginx answers its JSON 503 with ``Retry-After``.

``shutdown()`` on a listening socket is Linux's way to stop it listening
while it keeps its port (one given to ``bind``, as Circus does); ``listen``
starts again::

    >>> import socket
    >>> with socket.create_server(("127.0.0.1", 0)) as probe:
    ...     port = probe.getsockname()[1]
    >>> sock = socket.create_server(("127.0.0.1", port))
    >>> stop_listening(sock)
    >>> listening(sock)
    False
    >>> socket.create_connection(("127.0.0.1", port))
    Traceback (most recent call last):
    ...
    ConnectionRefusedError: [Errno 111] Connection refused
    >>> listen_again(sock, backlog=16)
    >>> listening(sock)
    True
    >>> socket.create_connection(("127.0.0.1", port)).close()
    >>> sock.close()
"""

import contextlib
import logging
import os
import signal
import socket

logger = logging.getLogger("circus")


def listening(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))


def stop_listening(sock: socket.socket) -> None:
    """No more connections queued: the port refuses, the queue is reset."""
    if listening(sock):
        sock.shutdown(socket.SHUT_RD)


def listen_again(sock: socket.socket, backlog: int) -> None:
    if not listening(sock):
        sock.listen(backlog)


def sockets_of(watcher, arbiter) -> list:
    """The Circus sockets the watcher's command names."""
    if not watcher.use_sockets:
        return []
    command = f"{watcher.cmd} {watcher.args}"
    return [
        sock
        for name, sock in arbiter.sockets.items()
        if f"$(circus.sockets.{name})" in command
    ]


def refuse_when_stopped(watcher, arbiter, hook_name, **kwargs) -> bool:
    """``after_stop``: the watcher's processes are gone; its ports refuse."""
    for sock in sockets_of(watcher, arbiter):
        stop_listening(sock)
        logger.info("%s stopped: %s refuses connections", watcher.name, sock)
    return True


def listen_before_start(watcher, arbiter, hook_name, **kwargs) -> bool:
    """``before_start``: the ports listen again before the processes start."""
    for sock in sockets_of(watcher, arbiter):
        listen_again(sock, sock.backlog)
    return True


def quit_its_group(watcher, arbiter, hook_name, process_pid, **kwargs) -> bool:
    """``after_reap``: what the dead process started gets its stop signal.

    A master killed with SIGKILL (nginx's) cannot stop its workers: they
    keep serving on the sockets they inherited, out of Circus's books, with
    the old configuration. Circus starts each process in a session and group
    of its own (``setsid``), which its workers share: the signal goes to the
    group. A master stopped as it should be has taken its workers with it:
    no group is left, nothing to do.
    """
    signum = signal.Signals(watcher.stop_signal)  # circus.ini's, as a number
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process_pid, signum)
        logger.info(
            "%s: %s to what process %s left", watcher.name, signum.name, process_pid
        )
    return True
