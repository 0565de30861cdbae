"""The queue between the services (book: chapter 8, "Bringing It All Together").

``CELERY_BROKER_URL`` names a real broker (RabbitMQ, Redis). Without it, the
worker uses kombu's ``filesystem://`` transport: each message is a file in a
folder, so another process (the dashboard) queues a task by writing a file
into the same folder, and no server is needed. The layout, which a sender
must use too: the messages in ``RUNNERLY_QUEUE_DIR`` itself, as kombu's
``data_folder_in`` and ``data_folder_out``, and which queue each exchange
routes to in its ``control/`` (kombu's default is ``control/`` in the
current directory).

kombu reads from ``data_folder_in`` and writes to ``data_folder_out``; both
are the same folder here, because the worker sends as well as receives (a
retry is a new message, and ``sync_all`` queues ``sync_user``).

    >>> options = filesystem_options("/tmp/q")
    >>> options["data_folder_in"] == options["data_folder_out"] == "/tmp/q"
    True
    >>> options["control_folder"]
    '/tmp/q/control'
"""

import os


def filesystem_options(queue_dir: str) -> dict:
    """kombu's transport options for the filesystem queue in ``queue_dir``."""
    return {
        "data_folder_in": queue_dir,
        "data_folder_out": queue_dir,
        "control_folder": os.path.join(queue_dir, "control"),
    }


def make_folders(queue_dir: str) -> None:
    """kombu does not create them: a missing folder fails the first message."""
    for name in ("data_folder_in", "control_folder"):
        os.makedirs(filesystem_options(queue_dir)[name], exist_ok=True)


def broker_settings(broker_url: str | None, queue_dir: str) -> dict:
    """Celery settings for the broker: the URL, or the filesystem queue."""
    if broker_url:
        return {"broker_url": broker_url}
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": filesystem_options(queue_dir),
    }
