"""Book: chapter 8, "Building a ReactJS dashboard": "sync now" goes to a queue.

The dashboard does not import the Strava worker (another service, another
package): it sends the task by name, ``runnerly.sync_user``, to the broker
the worker listens to. Without ``CELERY_BROKER_URL``, the broker is kombu's
filesystem transport in ``QUEUE_DIR``: message files in a folder the worker
reads, no server to run.

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> celery = make_celery({"CELERY_BROKER_URL": None, "QUEUE_DIR": folder.name})
    >>> celery.conf.broker_url, celery.conf.broker_transport_options["data_folder_in"]
    ... # doctest: +ELLIPSIS
    ('filesystem://', '...')
    >>> folder.cleanup()
"""

import os

from celery import Celery

SYNC_USER = "runnerly.sync_user"


def make_celery(config) -> Celery:
    """A Celery app that only sends: no task of its own, no result backend."""
    broker = config.get("CELERY_BROKER_URL")
    # set_as_current=False: another Celery app in the process stays the current.
    celery = Celery("runnerly-dashboard", set_as_current=False)
    if broker:
        celery.conf.broker_url = broker
    else:
        folder = config["QUEUE_DIR"]
        control = os.path.join(folder, "control")
        os.makedirs(control, exist_ok=True)
        celery.conf.broker_url = "filesystem://"
        # The worker's layout: one folder both ways (what we write, it reads),
        # and the exchange-to-queue bindings in control/, which kombu would
        # otherwise look for in the current directory, where the worker's
        # bindings are not.
        celery.conf.broker_transport_options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": control,
        }
    # A broker that is down: fail within seconds, not after minutes of retries.
    celery.conf.task_publish_retry_policy = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 0.5,
    }
    celery.conf.broker_connection_timeout = 3
    return celery


def queue_sync(celery: Celery, user_id: int) -> str:
    """Queue one runner's sync; the task id."""
    return celery.send_task(SYNC_USER, args=[user_id]).id
