"""The Strava worker (book: chapter 8, "Bringing It All Together").

Chapter 04's monolith imported runs in a Celery task that read and wrote the
database it shared with the web app (``chapter04/monolith/background.py``).
Splitting the monolith takes the database away from the worker: it now does
the same job over HTTP, as a client of the data service with its own token
from TokenDealer, and it shares nothing with the dashboard but the queue.
Chapter 04's Strava client and its rate-limit arithmetic are reused as they
are; only the storage side changed.

- :mod:`.settings`: the environment it reads;
- :mod:`.broker`: RabbitMQ, Redis, or a folder of files (the default);
- :mod:`.data_client`: the data service, with the worker's token;
- :mod:`.sync`: one runner's import, step by step;
- :mod:`.tasks`: the Celery app, ``runnerly.sync_user``,
  ``runnerly.sync_all`` and ``runnerly.resume_stale`` (a sync whose worker
  died), the beat schedule, when to retry;
- ``python -m chapter08.stravaworker``: a worker with beat embedded.
"""

from .settings import Settings
from .tasks import RESUME_STALE, SYNC_ALL, SYNC_USER, create_celery

__all__ = ["RESUME_STALE", "SYNC_ALL", "SYNC_USER", "Settings", "create_celery"]
