"""Book: chapter 5, 'Asynchronous calls' > 'Task queues' (the worker side).

Celery tasks a worker runs for the Runnerly services, with Redis as broker
and result store:

- ``compute_stats``: plain work, a runner's totals from their runs;
- ``fetch_stats``: calls a peer service first, and retries with exponential
  backoff while the peer fails (connection refused, timeout, 5xx). After
  ``max_retries`` the task fails for good: its result state is FAILURE, and
  the ``task_failure`` signal files it as a *dead letter* (a Redis list, when
  the broker is Redis) so that someone can look at it and replay it.

Run a worker (Redis on 6379, or set ``CELERY_BROKER_URL``)::

    celery -A chapter05.tasks_worker worker --pool solo --loglevel info

The module is named ``tasks_worker``, not ``celery``, so that
``import celery`` still finds the library.
"""

import json
import os

import redis
import requests
from celery import Celery
from celery.signals import task_failure

from .runs import runner_stats

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
DEAD_LETTERS_KEY = "runnerly:dead-letters"

celery_app = Celery("runnerly")
celery_app.conf.update(
    broker_url=BROKER_URL,
    result_backend=os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL),
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Acknowledge after the work is done: a worker killed mid-task leaves
    # the message on the queue for another worker (tasks must be idempotent).
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    result_expires=3600,
    # Only used in eager mode (below, and in tests): keep eager results in
    # the result store too, so the producer can look them up by id. Set
    # here because tasks read it once, when they are bound to the app.
    task_store_eager_result=True,
    # Our settings, read by fetch_stats: retries and the first backoff delay.
    runnerly_max_retries=int(os.environ.get("RUNNERLY_MAX_RETRIES", 4)),
    runnerly_retry_backoff=float(os.environ.get("RUNNERLY_RETRY_BACKOFF", 1.0)),
    runnerly_peer_timeout=float(os.environ.get("RUNNERLY_PEER_TIMEOUT", 5.0)),
)
if os.environ.get("CELERY_EAGER") == "1":
    # Tasks run inline in the caller, no broker or worker: for demos and
    # tests. Results go to an in-process store so they can be looked up.
    celery_app.conf.update(
        broker_url="memory://",
        result_backend="cache+memory://",
        task_always_eager=True,
    )


class PeerUnavailable(Exception):
    """The peer answered 5xx: worth retrying later."""


@celery_app.task(name="runnerly.compute_stats")
def compute_stats(runner: str, runs: list[dict]) -> dict:
    return {"runner": runner, **runner_stats(runs)}


def backoff(first_delay: float, retries: int) -> float:
    """1 s, 2 s, 4 s, 8 s...: a struggling peer gets room to recover."""
    return first_delay * 2**retries


@celery_app.task(name="runnerly.fetch_stats", bind=True)
def fetch_stats(self, runner: str, url: str) -> dict:
    conf = self.app.conf
    try:
        response = requests.get(url, timeout=conf.runnerly_peer_timeout)
        if response.status_code >= 500:
            raise PeerUnavailable(f"{url} answered {response.status_code}")
        response.raise_for_status()  # a 4xx will not get better: no retry
    except (requests.ConnectionError, requests.Timeout, PeerUnavailable) as error:
        delay = backoff(conf.runnerly_retry_backoff, self.request.retries)
        # retry() raises: Retry while tries remain, then ``error`` itself.
        raise self.retry(
            exc=error, countdown=delay, max_retries=conf.runnerly_max_retries
        ) from error
    return compute_stats(runner, response.json()["runs"])


def _dead_letter_store() -> redis.Redis | None:
    url = celery_app.conf.broker_url
    return redis.Redis.from_url(url) if url.startswith("redis://") else None


# Without a Redis broker (eager mode), dead letters stay in this process.
LOCAL_DEAD_LETTERS: list[dict] = []


@task_failure.connect
def file_dead_letter(sender=None, task_id=None, exception=None, args=None, **_):
    """A task that failed for good: keep what is needed to replay it."""
    letter = {
        "task": sender.name,
        "id": task_id,
        "args": list(args or ()),
        "error": f"{type(exception).__name__}: {exception}",
    }
    store = _dead_letter_store()
    if store is None:
        LOCAL_DEAD_LETTERS.append(letter)
        return
    with store:
        store.rpush(DEAD_LETTERS_KEY, json.dumps(letter))


def dead_letters() -> list[dict]:
    store = _dead_letter_store()
    if store is None:
        return list(LOCAL_DEAD_LETTERS)
    with store:
        return [json.loads(item) for item in store.lrange(DEAD_LETTERS_KEY, 0, -1)]
