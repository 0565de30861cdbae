"""The Celery app and its two tasks (book: chapter 8, "Interacting with Data
Service"; the tasks are chapter 4's "Background tasks", split out).

``runnerly.sync_user(user_id)`` imports one runner's runs and keeps the
data service's sync state up to date (running, then done or failed; queued
while it waits for Strava's rate limit). ``runnerly.sync_all()`` queues
one ``sync_user`` per runner connected to Strava; beat runs it every
``SYNC_EVERY_SECONDS``. Other services queue the tasks by name
(``send_task("runnerly.sync_user", args=[42])``): they never import this
package.

When to try again, and when not:

- Strava's 429: retry when its window reopens (chapter 04's
  ``retry_countdown``: the next quarter-hour, or midnight UTC for the daily
  budget), not in a loop;
- the data service or Strava unreachable, or a 5xx from the data service:
  retry with a doubling delay, ``WORKER_MAX_RETRIES`` times at most. Runs
  posted before the failure come back as "existing" on the retry, since the
  import is idempotent on the Strava id: none is lost, none doubles;
- anything else (a broken Strava answer, a revoked token, a 4xx from the
  data service): the sync fails with a message, once.

    >>> app = create_celery(Settings(sync_every=600))
    >>> sorted(name for name in app.tasks if name.startswith("runnerly."))
    ['runnerly.sync_all', 'runnerly.sync_user']
    >>> app.conf.beat_schedule["sync-all"]
    {'task': 'runnerly.sync_all', 'schedule': 600}
"""

import logging
import time
from functools import cached_property

from celery import Celery

from chapter04.monolith.background import retry_countdown
from chapter04.monolith.strava_client import StravaClient, StravaRateLimited
from chapter07.token_client import TokenAuth

from .broker import broker_settings
from .data_client import DataService, DataServiceError, DataServiceUnavailable
from .settings import Settings
from .sync import Progress, StravaUnavailable, SyncFailed, sync_runner

logger = logging.getLogger(__name__)

SYNC_USER = "runnerly.sync_user"
SYNC_ALL = "runnerly.sync_all"
# The scopes of the worker's registration at TokenDealer (see the contract).
WORKER_SCOPE = "users:read runs:write strava:tokens sync:write"


def now() -> float:
    """The time retry_countdown reads (tests set Strava's fake clock here)."""
    return time.time()


class WorkerApp(Celery):
    """A Celery app that also holds the worker's settings and HTTP clients."""

    def __init__(self, settings: Settings, **options):
        super().__init__("runnerly-worker", **options)
        self.settings = settings

    # Made on first use, in the process that runs the tasks.
    @cached_property
    def data(self) -> DataService:
        auth = TokenAuth(
            self.settings.token_issuer,
            self.settings.client_id,
            self.settings.client_secret,
        )
        return DataService(self.settings.data_service_url, auth)

    @cached_property
    def strava(self) -> StravaClient:
        return StravaClient(
            self.settings.strava_base_url,
            self.settings.strava_client_id,
            self.settings.strava_client_secret,
        )

    def close_clients(self) -> None:
        for name in ("data", "strava"):
            client = self.__dict__.pop(name, None)
            if client is not None:
                client.close()


def create_celery(settings: Settings | None = None, **config) -> WorkerApp:
    """The worker's Celery app; ``config`` overrides Celery settings."""
    settings = settings or Settings.from_env()
    app = WorkerApp(settings)
    defaults = dict(
        **broker_settings(settings.broker_url, settings.queue_dir),
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # the data service's sync state is the result
        # Acknowledge after the work: a worker killed mid-import leaves the
        # message for the next one (the import is idempotent).
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        beat_schedule={"sync-all": {"task": SYNC_ALL, "schedule": settings.sync_every}},
    )
    app.conf.update({**defaults, **config})
    register_tasks(app)
    # Every app gets every shared task its process has imported: chapter 04's
    # comes along with its retry_countdown (and others where a process
    # imports more, the suite's). This worker runs its two, no more.
    for name in list(app.tasks):
        if name.startswith("runnerly.") and name not in (SYNC_USER, SYNC_ALL):
            app.tasks.unregister(name)
    return app


def register_tasks(app: WorkerApp) -> None:
    @app.task(
        bind=True, name=SYNC_USER, max_retries=app.settings.max_retries, shared=False
    )
    def sync_user(self, user_id: int, created: int = 0) -> dict:
        return run_sync(self, user_id, created)

    @app.task(name=SYNC_ALL, shared=False)
    def sync_all() -> list[int]:
        users = app.data.connected_users()
        for user_id in users:
            sync_user.delay(user_id)
        logger.info("sync_all: queued %d runner(s)", len(users))
        return users


def run_sync(task, user_id: int, created: int) -> dict:
    """sync_user's body: the sync, and what to do when it cannot finish."""
    app: WorkerApp = task.app
    data = app.data
    retries = task.request.retries
    progress = Progress(created=created)
    try:
        data.set_sync(user_id, "running", imported=progress.created)
        sync_runner(data, app.strava, user_id, now(), app.settings.per_page, progress)
        message = f"{progress.created} new run(s), {progress.existing} already there."
        data.set_sync(user_id, "done", imported=progress.created, message=message)
    except StravaRateLimited as error:
        if retries >= task.max_retries:
            return fail(data, user_id, progress, "Strava's rate limit: gave up.")
        countdown = retry_countdown(error, retries, now())
        message = f"Strava's rate limit is reached: next try in {countdown} s."
        logger.warning("user %s: %s", user_id, message)
        try:
            data.set_sync(user_id, "queued", imported=progress.created, message=message)
        except (DataServiceUnavailable, DataServiceError):
            pass  # the retry is what matters; the state catches up then
        raise task.retry(
            countdown=countdown, kwargs={"created": progress.created}
        ) from error
    except (DataServiceUnavailable, StravaUnavailable) as error:
        if retries >= task.max_retries:
            return fail(data, user_id, progress, f"Gave up: {error}")
        countdown = app.settings.retry_backoff * 2**retries
        logger.warning(
            "user %s: %s; retry %d in %.1f s", user_id, error, retries + 1, countdown
        )
        raise task.retry(
            countdown=countdown, kwargs={"created": progress.created}
        ) from error
    except (SyncFailed, DataServiceError) as error:
        return fail(data, user_id, progress, str(error))
    logger.info("user %s: %s", user_id, message)
    return {"state": "done", "imported": progress.created}


def fail(data: DataService, user_id: int, progress: Progress, message: str) -> dict:
    """Record the failure where the runner sees it; never raise again."""
    logger.error("user %s: sync failed: %s", user_id, message)
    try:
        data.set_sync(user_id, "failed", imported=progress.created, message=message)
    except (DataServiceUnavailable, DataServiceError) as error:
        logger.error("user %s: could not record the failure: %s", user_id, error)
    return {"state": "failed", "imported": progress.created, "message": message}
