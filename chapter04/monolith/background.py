"""Importing runs with Celery (book: chapter 4, "Background tasks").

Strava is slow and rate limited: a web request should not wait for it. The
import is a Celery task, ``fetch_all_runs``: a worker runs it, every hour
(beat) or when the user asks. With no broker configured the task runs
in-process (Celery's eager mode), so the monolith needs no server to work;
``CELERY_BROKER_URL`` switches to a real broker and worker.

The module is not named ``celery.py``: it would shadow the library.
"""

import logging
import time

from celery import Celery, Task, shared_task
from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select

from .models import Run, User, db
from .strava_client import (
    EXPIRY_MARGIN,
    StravaClient,
    StravaError,
    StravaRateLimited,
    StravaUnauthorized,
    client_from_config,
    epoch,
    parse_date,
    retry_countdown,
)

logger = logging.getLogger(__name__)

FETCH_ALL_RUNS = "runnerly.fetch_all_runs"


def init_celery(app: Flask) -> Celery:
    """A Celery app configured from the Flask app, running tasks in its context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():  # eager, from a view: inside one already
                return self.run(*args, **kwargs)
            with app.app_context():  # in a worker: tasks need ``db``
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=not broker,
        task_ignore_result=True,
        timezone="UTC",
        beat_schedule={
            "fetch-all-runs": {
                "task": FETCH_ALL_RUNS,
                "schedule": app.config["FETCH_EVERY_SECONDS"],
            }
        },
        **app.config.get("CELERY", {}),
    )
    # Tasks declared with @shared_task run on the app made last (one per
    # process, but tests make many).
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


@shared_task(bind=True, name=FETCH_ALL_RUNS)
def fetch_all_runs(self) -> int:
    """Import the new runs of every user connected to Strava; return how many."""
    max_retries = current_app.config["CELERY_MAX_RETRIES"]
    users = db.session.scalars(
        select(User).where(User.strava_refresh_token.is_not(None))
    ).all()
    imported = 0
    with client_from_config(current_app.config) as client:
        try:
            for user in users:
                imported += import_user_runs(client, user)
        except StravaRateLimited as error:
            # Runs imported so far are committed; a retry carries on from there.
            if self.request.retries >= max_retries:
                logger.error("Strava rate limit: gave up after %d retries", max_retries)
                raise
            countdown = retry_countdown(error, self.request.retries, time.time())
            logger.warning(
                "Strava rate limit (usage %s of %s): retry %d in %d s",
                error.usage,
                error.limit,
                self.request.retries + 1,
                countdown,
            )
            raise self.retry(
                exc=error, countdown=countdown, max_retries=max_retries
            ) from error
    return imported


def import_user_runs(client: StravaClient, user: User) -> int:
    """Import a user's new runs; a user Strava refuses is skipped, not fatal."""
    try:
        if (user.strava_expires_at or 0) <= time.time() + EXPIRY_MARGIN:
            refresh_token(client, user)
        try:
            activities = list(new_activities(client, user))
        except StravaUnauthorized:
            # Expired early or revoked: one refresh, one more try.
            refresh_token(client, user)
            activities = list(new_activities(client, user))
    except StravaRateLimited:
        raise
    except StravaError as error:
        logger.warning("user %s: Strava refused (%s), skipped", user.id, error)
        db.session.rollback()
        return 0
    count = store_runs(user, activities)
    db.session.commit()
    return count


def refresh_token(client: StravaClient, user: User) -> None:
    tokens = client.refresh(user.strava_refresh_token)
    user.strava_access_token = tokens["access_token"]
    user.strava_refresh_token = tokens["refresh_token"]
    user.strava_expires_at = tokens["expires_at"]
    # Saved at once: the old access token no longer works.
    db.session.commit()


def new_activities(client: StravaClient, user: User):
    """Activities after the user's latest stored run (all, the first time)."""
    latest = db.session.scalar(
        select(func.max(Run.start_date)).where(Run.user_id == user.id)
    )
    after = epoch(latest) if latest else None
    per_page = current_app.config["STRAVA_PER_PAGE"]
    return client.activities(user.strava_access_token, after=after, per_page=per_page)


def store_runs(user: User, activities: list[dict]) -> int:
    """Add the runs not stored yet; rides, swims and walks are not runs."""
    runs = [activity for activity in activities if activity.get("type") == "Run"]
    ids = [run["id"] for run in runs]
    known = set(db.session.scalars(select(Run.strava_id).where(Run.strava_id.in_(ids))))
    added = 0
    for activity in runs:
        if activity["id"] in known:
            continue
        known.add(activity["id"])
        db.session.add(run_from_activity(user, activity))
        added += 1
    return added


def run_from_activity(user: User, activity: dict) -> Run:
    return Run(
        strava_id=activity["id"],
        user=user,
        name=activity["name"],
        distance=activity["distance"],
        start_date=parse_date(activity["start_date"]),
        elapsed_time=activity["elapsed_time"],
        moving_time=activity["moving_time"],
        average_speed=activity["average_speed"],
        max_speed=activity["max_speed"],
        average_heartrate=activity.get("average_heartrate"),
        total_elevation_gain=activity.get("total_elevation_gain", 0.0),
    )
