"""Book: chapter 6, "Performance metrics": ``python -m chapter06.metered_service``.

The measured data service (:mod:`chapter06.metered`) under gunicorn, with
``WEB_CONCURRENCY`` worker processes (2 by default) on ``$PORT``. Each worker
counts its own requests; for ``/metrics`` to add them up, prometheus-client
must know, before it is imported, the folder where every process writes its
figures: ``PROMETHEUS_MULTIPROC_DIR`` (a temporary one unless set; emptied
at start, as stale figures of a previous run would be added in). So this
module imports neither prometheus-client nor the app: gunicorn loads the app
by name, after the folder is set.

Its database, as chapter 4's, is a SQLite file in a temporary folder unless
``FLASK_SQLALCHEMY_DATABASE_URI`` names another.
"""

import os
import tempfile
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

from chapter04.dataservice.serving import database_settings

APP = "chapter06.metered:create_app()"


def forget(pid: int) -> None:
    """Drop the live gauges (in flight, system metrics) of process ``pid``."""
    # Imported here: only once PROMETHEUS_MULTIPROC_DIR is set.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def child_exit(server, worker) -> None:
    """gunicorn hook: a worker has gone; its live gauges go with it."""
    forget(worker.pid)


class Service(BaseApplication):
    """gunicorn, configured here rather than on its command line."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        app = import_app(APP)
        # Built once in the master, before the fork (preload_app): the
        # database is created once. No connection may cross the fork.
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        # The master serves no request: its gauges (all zero) would show as
        # one more process.
        forget(os.getpid())
        return app


def empty(folder: str) -> str:
    for stale in Path(folder).glob("*.db"):
        stale.unlink()
    return folder


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    workers = int(os.environ.get("WEB_CONCURRENCY", 2))
    with tempfile.TemporaryDirectory(prefix="metered-") as folder:
        metrics = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or f"{folder}/metrics"
        os.makedirs(metrics, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = empty(metrics)
        for name, value in database_settings(folder).items():
            os.environ[f"FLASK_{name}"] = value
        print(f"Data service on http://127.0.0.1:{port}/users, metrics on /metrics")
        print(f"{workers} workers; their figures in {metrics}", flush=True)
        options = {
            "bind": f"127.0.0.1:{port}",
            "workers": workers,
            "preload_app": True,
            "child_exit": child_exit,
            # No gunicorn control socket left in the home folder: unused here.
            "control_socket_disable": True,
        }
        # SIGTERM or Ctrl-C: gunicorn stops its workers and exits (SystemExit)
        # through this block, which removes the folder.
        Service(options).run()


if __name__ == "__main__":
    main()
