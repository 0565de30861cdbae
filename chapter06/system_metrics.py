"""Book: chapter 6, "Performance metrics" > "System metrics", with psutil.

Every few seconds (``SYSTEM_METRICS_INTERVAL``, 5 by default), each process of
the service reads its own CPU use, memory, open files and threads with psutil,
and reports them twice: as a GELF message, as the book does (when
``GELF_HOST`` and ``GELF_PORT`` name a GELF input, such as
:mod:`chapter06.machinery.gelf_receiver`), and as Prometheus gauges, one series per
process under gunicorn. A sample::

    >>> sorted(sample())
    ['cpu_percent', 'memory_rss_bytes', 'open_files', 'threads']
    >>> sample()["threads"] >= 1
    True
"""

import logging
import os
import threading

import graypy
import psutil
from flask import Flask
from prometheus_client import Gauge

# Several processes: "liveall" keeps one series per live process (label
# ``pid``); a worker gunicorn replaces drops out (see metered_service).
GAUGES = {
    "cpu_percent": Gauge(
        "worker_cpu_percent",
        "CPU used by the process since the last sample, in percent of one core.",
        multiprocess_mode="liveall",
    ),
    "memory_rss_bytes": Gauge(
        "worker_memory_rss_bytes",
        "Resident memory of the process.",
        multiprocess_mode="liveall",
    ),
    "open_files": Gauge(
        "worker_open_files",
        "Files the process has open.",
        multiprocess_mode="liveall",
    ),
    "threads": Gauge(
        "worker_threads",
        "Threads of the process.",
        multiprocess_mode="liveall",
    ),
}


def sample(process: psutil.Process | None = None) -> dict[str, float]:
    """The figures of ``process`` (this one by default), now."""
    process = process or psutil.Process()
    with process.oneshot():  # one read of /proc for all of them
        return {
            # Since the previous call for this Process object (0.0 the first time).
            "cpu_percent": process.cpu_percent(interval=None),
            "memory_rss_bytes": process.memory_info().rss,
            "open_files": len(process.open_files()),
            "threads": process.num_threads(),
        }


class SystemMetrics:
    """Sample this process every ``interval`` seconds from a daemon thread.

    ``gelf``: a ``(host, port)`` GELF UDP input to send each sample to, or None.
    """

    def __init__(
        self, interval: float = 5.0, gelf: tuple[str, int] | None = None, service=""
    ):
        self.interval = interval
        self.service = service
        self.handler = graypy.GELFUDPHandler(*gelf) if gelf else None
        self.process = psutil.Process()
        self.pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def report(self) -> dict[str, float]:
        """Take one sample; set the gauges and send it as GELF. The sample."""
        figures = sample(self.process)
        for name, value in figures.items():
            GAUGES[name].set(value)
        if self.handler is not None:
            # graypy turns a record's extra attributes into GELF's "_" fields.
            record = logging.makeLogRecord(
                {
                    "name": __name__,
                    "msg": "system metrics",
                    "levelno": logging.INFO,
                    "levelname": "INFO",
                    "service": self.service,
                    "pid": os.getpid(),
                    **figures,
                }
            )
            self.handler.handle(record)
        return figures

    def start(self) -> "SystemMetrics":
        """Report now (the gauges are set from here on), then every interval."""
        self.pid = os.getpid()
        # This process: the object made in __init__ may be a gunicorn
        # master's, copied into each worker by the fork.
        self.process = psutil.Process()
        self._stop.clear()
        # The thread first: the first sample counts it among the threads.
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.report()
        return self

    def _run(self) -> None:
        # wait() returns True as soon as stop() is called: no lingering sleep.
        while not self._stop.wait(self.interval):
            self.report()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.handler is not None:
            self.handler.close()

    def ensure_running(self) -> None:
        """Start in this process if not yet: a forked worker inherits the
        object but not the thread."""
        if self.pid != os.getpid():
            self.start()


def init_app(app: Flask) -> SystemMetrics:
    """Report ``app``'s process from its first request on (in each worker)."""
    app.config.setdefault("SYSTEM_METRICS_INTERVAL", 5.0)
    app.config.setdefault("GELF_HOST", "127.0.0.1")
    app.config.setdefault("GELF_PORT", None)
    port = app.config["GELF_PORT"]
    reporter = SystemMetrics(
        interval=float(app.config["SYSTEM_METRICS_INTERVAL"]),
        gelf=(app.config["GELF_HOST"], int(port)) if port else None,
        service=app.name,
    )
    app.extensions["system_metrics"] = reporter
    # Not at start-up: gunicorn builds the app once, then forks the workers,
    # and a thread does not survive a fork.
    app.before_request(reporter.ensure_running)
    return reporter
