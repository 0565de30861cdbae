"""Book: chapter 8: the Strava worker's process, beat embedded (what
``python -m chapter08.stravaworker`` and chapter 9's installed
``runnerly-stravaworker`` both run).

One process runs the tasks and beat's schedule (the hourly sync, the look
for syncs a dead worker left): Runnerly needs a single worker. It reads its
settings from the environment (see :mod:`.settings`), runs one task at a
time (``--pool=solo``), and stops cleanly on Ctrl-C or SIGTERM (Celery's
warm shutdown: the task under way finishes first; an unacknowledged message
goes back to the queue).
"""

import os

from celery.beat import EmbeddedService

from .broker import make_folders
from .settings import Settings
from .tasks import create_celery


def main() -> None:
    settings = Settings.from_env()
    # The beat's schedule file and, without a broker, the queue live here.
    make_folders(settings.queue_dir)
    app = create_celery(settings)
    broker = settings.broker_url or f"filesystem:// in {settings.queue_dir}"
    print(
        f"Strava worker: queue {broker}, data service {settings.data_service_url}, "
        f"sync every {settings.sync_every:g} s (Ctrl-C stops it)",
        flush=True,
    )
    # Beat in a thread of this process: one process to start and to stop.
    beat = EmbeddedService(
        app,
        thread=True,
        schedule_filename=os.path.join(settings.queue_dir, "beat-schedule"),
    )
    beat.start()
    try:
        app.worker_main(
            [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                # One worker, no cluster: no chatter between workers. The
                # heartbeat stays: its timer wakes the event loop, without
                # which a SIGTERM waits for the next message on RabbitMQ.
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        beat.stop()
