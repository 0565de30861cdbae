"""Book: chapter 9, "Running all microservices": what an installed service runs.

``python -m chapter08.dataservice`` is Flask's development server: one
process, fine on a laptop. The installed command (``runnerly-dataservice``,
the console script of the wheel) serves the same app with gunicorn, which a
process manager can run several times on one socket it opened itself
(``--bind fd://3``), and answers the question an operator asks first, which
release is running: its ``/health`` says the version the package metadata
holds (``importlib.metadata``, so the version is written in one place, the
project's ``pyproject.toml``)::

    >>> from flask import Flask
    >>> app = Flask(__name__)
    >>> @app.get("/health")
    ... def health():
    ...     return {"status": "alive"}
    >>> with_version(app, "flask").test_client().get("/health").json
    ... # doctest: +ELLIPSIS
    {'status': 'alive', 'version': '3...'}
"""

import argparse
import os
import sys
from collections.abc import Callable
from importlib.metadata import version

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication


def with_version(app: Flask, distribution: str) -> Flask:
    """Add the installed ``distribution``'s version to the app's ``/health``."""
    release = version(distribution)

    @app.after_request
    def health_says_version(response: Response) -> Response:
        if request.path == "/health" and response.is_json:
            body = response.get_json()
            if isinstance(body, dict):
                response.set_data(app.json.dumps({**body, "version": release}))
        return response

    return app


class Gunicorn(BaseApplication):
    """gunicorn run from Python: the app is made in each worker, after fork.

    (A database connection opened before the fork would be shared by every
    worker; :meth:`load` runs in the worker.)
    """

    def __init__(self, factory: Callable[[], Flask], options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.factory()


def parser(distribution: str, commands: dict[str, Callable[[], None]]):
    parse = argparse.ArgumentParser(prog=distribution)
    parse.add_argument("--version", action="version", version=version(distribution))
    parse.add_argument(
        "command", nargs="?", default="serve", choices=["serve", *commands]
    )
    parse.add_argument(
        "--bind",
        help="where to listen: 127.0.0.1:PORT ($PORT) or fd://N (a process manager's)",
    )
    parse.add_argument("--workers", type=int, default=1)
    return parse


def command(
    distribution: str,
    create_app: Callable[[], Flask],
    default_port: int,
    commands: dict[str, Callable[[], None]] | None = None,
    argv: list[str] | None = None,
) -> None:
    """``runnerly-X [serve] [--bind ...] [--workers N]``, ``runnerly-X --version``.

    ``commands``: the service's other subcommands (``migrate``).
    """
    commands = commands or {}
    args = parser(distribution, commands).parse_args(argv)
    if args.command in commands:
        return commands[args.command]()
    bind = args.bind or f"127.0.0.1:{os.environ.get('PORT', default_port)}"
    print(f"{distribution} {version(distribution)} on {bind}", flush=True)
    options = {
        "bind": [bind],
        "workers": args.workers,
        # Several gunicorns on one machine: no shared control socket in $HOME.
        "control_socket_disable": True,
        "accesslog": "-",
        # SIGTERM: finish the requests in progress, then go (Circus's stop).
        "graceful_timeout": 10,
    }
    Gunicorn(lambda: with_version(create_app(), distribution), options).run()
    sys.exit(0)
