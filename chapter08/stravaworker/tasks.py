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
  import is idempotent on the Strava id: none is lost, none doubles. So are
  runs whose import timed out but was stored all the same: what a sync
  imported is counted from the data service (its runs now, less those it
  had when the sync began), never from the answers;
- anything else (a broken Strava answer, a revoked token, a 4xx from the
  data service): the sync fails with a message, once.

And when the worker itself dies mid-sync (kill -9, the machine goes down)?
Late acknowledgement (``task_acks_late``) is not enough: RabbitMQ gives the
unacknowledged message to the next worker when the connection drops, Redis
only after its visibility timeout (an hour), and kombu's filesystem
transport, the default here, deletes the message file as it reads it: the
job is gone, and the state says "running" for ever. So the worker makes its
syncs resumable whatever the broker:

- a heartbeat: the sync writes its state after every page of activities,
  so ``updated_at`` moves while a worker is alive and working;
- a resumer: ``runnerly.resume_stale``, run by beat every half
  ``WORKER_STALE_AFTER`` and once when a worker starts, asks the data service
  for the syncs "running" but silent for ``WORKER_STALE_AFTER`` seconds and
  queues each again, marked "queued" first so it is queued once;
- idempotency makes resuming safe: the import skips the runs stored already.
  A sync that starts over an interrupted one (resumed, or redelivered by the
  broker) counts what that one imported (its last heartbeat's count), so
  its final count is this sync's.

    >>> app = create_celery(Settings(sync_every=600, stale_after=60))
    >>> sorted(name for name in app.tasks if name.startswith("runnerly."))
    ['runnerly.resume_stale', 'runnerly.sync_all', 'runnerly.sync_user']
    >>> app.conf.beat_schedule["sync-all"]
    {'task': 'runnerly.sync_all', 'schedule': 600}
    >>> app.conf.beat_schedule["resume-stale"]
    {'task': 'runnerly.resume_stale', 'schedule': 30.0}
"""

import logging
import time
from functools import cached_property

from celery import Celery
from celery.signals import worker_ready
from kombu.exceptions import OperationalError

from chapter04.monolith.strava_client import (
    StravaClient,
    StravaRateLimited,
    retry_countdown,
)
from chapter07.token_client import TokenAuth

from .broker import broker_settings
from .data_client import DataService, DataServiceError, DataServiceUnavailable
from .settings import Settings
from .sync import Progress, StravaUnavailable, SyncFailed, sync_runner

logger = logging.getLogger(__name__)

SYNC_USER = "runnerly.sync_user"
SYNC_ALL = "runnerly.sync_all"
RESUME_STALE = "runnerly.resume_stale"
TASKS = (SYNC_USER, SYNC_ALL, RESUME_STALE)
# The message of a sync queued again by resume_stale: how its task knows
# that nobody took the sync over in the meantime.
RESUMING = "Resuming a sync its worker left unfinished."
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
        # Acknowledge after the work: on RabbitMQ, the message of a worker
        # killed mid-import goes to the next one. Only there, at once: see
        # the module's doc, and resume_stale, for every broker.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        beat_schedule={
            "sync-all": {"task": SYNC_ALL, "schedule": settings.sync_every},
            # Every half threshold: an abandoned sync is resumed between one
            # and one and a half thresholds after its last heartbeat.
            "resume-stale": {
                "task": RESUME_STALE,
                "schedule": settings.stale_after / 2,
            },
        },
    )
    app.conf.update({**defaults, **config})
    register_tasks(app)
    # Every app gets every shared task its process has imported: chapter 04's
    # comes along with its retry_countdown (and others where a process
    # imports more, the suite's). This worker runs its own, no more.
    for name in list(app.tasks):
        if name.startswith("runnerly.") and name not in TASKS:
            app.tasks.unregister(name)
    return app


def register_tasks(app: WorkerApp) -> None:
    @app.task(
        bind=True, name=SYNC_USER, max_retries=app.settings.max_retries, shared=False
    )
    def sync_user(
        self, user_id: int, before: int | None = None, resumed: bool = False
    ) -> dict:
        return run_sync(self, user_id, before, resumed)

    @app.task(name=SYNC_ALL, shared=False)
    def sync_all() -> list[int]:
        users = app.data.connected_users()
        for user_id in users:
            sync_user.delay(user_id)
        logger.info("sync_all: queued %d runner(s)", len(users))
        return users

    @app.task(name=RESUME_STALE, shared=False)
    def resume_stale() -> list[int]:
        """Queue again the syncs whose worker died: "running", but silent."""
        resumed = []
        try:
            for sync in app.data.stale_syncs(app.settings.stale_after):
                user_id = sync["user_id"]
                # Marked first: the next look finds it "queued", not stale,
                # and does not queue it twice while it waits its turn.
                app.data.set_sync(
                    user_id, "queued", imported=sync["imported"], message=RESUMING
                )
                try:
                    sync_user.apply_async(args=[user_id], kwargs={"resumed": True})
                except OperationalError:
                    # Not queued: "running" again, for a later look to find.
                    app.data.set_sync(user_id, "running", imported=sync["imported"])
                    raise
                resumed.append(user_id)
        except (DataServiceUnavailable, DataServiceError) as error:
            # The next look (beat's) tries again; nothing is lost meanwhile.
            logger.warning("resume_stale: %s", error)
        if resumed:
            logger.warning("resume_stale: resumed the sync of runner(s) %s", resumed)
        return resumed


@worker_ready.connect
def resume_when_ready(sender, **_) -> None:
    """A worker that starts resumes at once what a dead one left, rather
    than at beat's first tick."""
    app = getattr(sender, "app", None)
    if isinstance(app, WorkerApp):  # not another app's worker in this process
        app.tasks[RESUME_STALE].delay()


def run_sync(
    task, user_id: int, before: int | None = None, resumed: bool = False
) -> dict:
    """sync_user's body: the sync, and what to do when it cannot finish.

    ``before``: the runner's runs when this sync began (its retries carry it
    on). What the sync imported is how many more the data service holds now,
    not the sum of the import's answers: an import whose answer never came
    (a timeout, the service stopped or slow) may have stored its runs all
    the same, and the retry, finding them there, would call them old.
    """
    app: WorkerApp = task.app
    data = app.data
    progress = Progress()
    imported = 0  # as last counted

    def counted() -> int:
        nonlocal imported
        imported = max(data.run_count(user_id) - before, 0)
        return imported

    try:
        sync = data.sync(user_id)
        resuming = sync["state"] == "queued" and sync["message"] == RESUMING
        if resumed and not resuming:
            # Taken over since resume_stale queued this: the broker gave the
            # dead worker's message to this worker, or the runner asked anew.
            logger.info("user %s: resumed already; nothing to do", user_id)
            return {"state": "skipped", "imported": 0}
        if before is None:
            before = runs_before(data, user_id, sync, resuming)

        def heartbeat(progress: Progress) -> None:
            data.set_sync(user_id, "running", imported=counted())

        heartbeat(progress)
        sync_runner(
            data,
            app.strava,
            user_id,
            now(),
            app.settings.per_page,
            progress,
            heartbeat,
        )
        counted()
        existing = max(progress.posted - imported, 0)
        message = f"{imported} new run(s), {existing} already there."
        data.set_sync(user_id, "done", imported=imported, message=message)
    except StravaRateLimited as error:
        return retry_when_strava_reopens(task, error, user_id, imported, before)
    except (DataServiceUnavailable, StravaUnavailable) as error:
        return retry_with_backoff(task, error, user_id, imported, before)
    except (SyncFailed, DataServiceError) as error:
        return fail(data, user_id, imported, str(error))
    logger.info("user %s: %s", user_id, message)
    return {"state": "done", "imported": imported}


def runs_before(data: DataService, user_id: int, sync: dict, resuming: bool) -> int:
    """The runner's runs when this sync began: those the data service holds
    now, less what an interrupted attempt of this sync stored."""
    before = data.run_count(user_id)
    if resuming or sync["state"] == "running":
        # An attempt of this sync was interrupted (its worker died):
        # what it stored, its heartbeat counted, was new to this sync.
        before -= min(sync["imported"], before)
    return before


def retry_when_strava_reopens(
    task, error: StravaRateLimited, user_id: int, imported: int, before: int | None
) -> dict:
    """Retry when Strava's window reopens, the state saying when; out of
    retries, fail the sync (the only return: a retry raises)."""
    data = task.app.data
    retries = task.request.retries
    if retries >= task.max_retries:
        return fail(data, user_id, imported, "Strava's rate limit: gave up.")
    countdown = retry_countdown(error, retries, now())
    message = f"Strava's rate limit is reached: next try in {countdown} s."
    logger.warning("user %s: %s", user_id, message)
    try:
        data.set_sync(user_id, "queued", imported=imported, message=message)
    except (DataServiceUnavailable, DataServiceError):
        pass  # the retry is what matters; the state catches up then
    raise task.retry(countdown=countdown, kwargs=carried(before)) from error


def retry_with_backoff(
    task, error: Exception, user_id: int, imported: int, before: int | None
) -> dict:
    """Retry after a doubling delay; out of retries, fail the sync (the only
    return: a retry raises)."""
    retries = task.request.retries
    if retries >= task.max_retries:
        return fail(task.app.data, user_id, imported, f"Gave up: {error}")
    countdown = task.app.settings.retry_backoff * 2**retries
    logger.warning(
        "user %s: %s; retry %d in %.1f s", user_id, error, retries + 1, countdown
    )
    raise task.retry(countdown=countdown, kwargs=carried(before)) from error


def carried(before: int | None) -> dict:
    """A retry's kwargs: the count the sync began with, once known (not
    ``resumed``: the retry continues this sync, whatever the state says)."""
    return {} if before is None else {"before": before}


def fail(data: DataService, user_id: int, imported: int, message: str) -> dict:
    """Record the failure where the runner sees it; never raise again."""
    logger.error("user %s: sync failed: %s", user_id, message)
    try:
        data.set_sync(user_id, "failed", imported=imported, message=message)
    except (DataServiceUnavailable, DataServiceError) as error:
        logger.error("user %s: could not record the failure: %s", user_id, error)
    return {"state": "failed", "imported": imported, "message": message}
