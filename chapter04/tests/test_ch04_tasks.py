"""The import task, run in-process (Celery's eager mode) against the fake Strava."""

import logging

import pytest
from sqlalchemy import func, select

from chapter04.monolith import background
from chapter04.monolith.background import fetch_all_runs, retry_countdown
from chapter04.monolith.models import Run, User, db
from chapter04.monolith.strava_client import StravaRateLimited, client_from_config
from chapter04.tests.helpers import RUNNER, runs_of


def connect(app, strava, email=RUNNER[0], athlete_id=None):
    """Connect a user to Strava the short way: a code straight from the fake."""
    athlete_id = athlete_id or strava.fake.athlete_ids()[0]
    code = strava.fake.authorize("http://x/", athlete_id=athlete_id).split("code=")[1]
    with app.app_context():
        with client_from_config(app.config) as client:
            tokens = client.exchange_code(code.split("&")[0])
        user = db.session.scalar(select(User).where(User.email == email))
        user.strava_athlete_id = athlete_id
        user.strava_access_token = tokens["access_token"]
        user.strava_refresh_token = tokens["refresh_token"]
        user.strava_expires_at = tokens["expires_at"]
        db.session.commit()
        return user.id


def fetch(app) -> int:
    with app.app_context():
        result = fetch_all_runs.delay()
        assert result.successful(), result.traceback
        return result.result


def count_runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Run.id)))


def user(app, user_id) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def test_tasks_run_in_process_without_a_broker(app):
    assert app.extensions["celery"].conf.task_always_eager


def test_first_import_then_no_duplicates(app, strava):
    connect(app, strava)
    expected = runs_of(strava.fake, strava.fake.athlete_ids()[0])
    assert fetch(app) == len(expected) == count_runs(app)
    assert fetch(app) == 0
    assert count_runs(app) == len(expected)
    with app.app_context():
        stored = {run.strava_id for run in db.session.scalars(select(Run))}
    assert stored == {run["id"] for run in expected}


def test_only_the_new_run_is_imported(app, strava):
    connect(app, strava)
    athlete = strava.fake.athlete_ids()[0]
    fetch(app)
    new = strava.fake.add_activity(athlete, name="Evening jog", distance=5000.0)
    strava.fake.add_activity(athlete, type="Ride", sport_type="Ride")  # not a run
    assert fetch(app) == 1
    with app.app_context():
        run = db.session.scalar(select(Run).where(Run.strava_id == new["id"]))
        assert (run.name, run.distance) == ("Evening jog", 5000.0)


def test_an_activity_listed_twice_is_stored_once(app, strava):
    user_id = connect(app, strava)
    activity = runs_of(strava.fake, strava.fake.athlete_ids()[0])[0]
    with app.app_context():
        # Paging while a new activity arrives can list one on two pages.
        added = background.store_runs(db.session.get(User, user_id), [activity] * 2)
        db.session.commit()
    assert added == 1 == count_runs(app)


def test_every_connected_user_is_imported(app, strava):
    first, second = strava.fake.athlete_ids()
    connect(app, strava, athlete_id=first)
    connect(app, strava, email="admin@example.com", athlete_id=second)
    expected = len(runs_of(strava.fake, first)) + len(runs_of(strava.fake, second))
    assert fetch(app) == expected


def test_small_pages(app, strava):
    app.config["STRAVA_PER_PAGE"] = 7  # many pages, the last one short
    connect(app, strava)
    assert fetch(app) == len(runs_of(strava.fake, strava.fake.athlete_ids()[0]))


def test_expired_token_is_refreshed_first(app, strava):
    user_id = connect(app, strava)
    with app.app_context():
        db.session.get(User, user_id).strava_expires_at = 0  # as if hours passed
        db.session.commit()
    old = user(app, user_id).strava_access_token
    assert fetch(app) > 0
    refreshed = user(app, user_id)
    assert refreshed.strava_access_token != old
    assert refreshed.strava_expires_at > 0


def test_token_expired_early_is_refreshed_on_401(app, strava):
    user_id = connect(app, strava)
    old = user(app, user_id).strava_access_token
    strava.fake.expire_tokens()  # Strava says 401, though expires_at is ahead
    assert fetch(app) > 0
    assert user(app, user_id).strava_access_token != old


def test_a_user_strava_refuses_is_skipped(app, strava, caplog):
    first, second = strava.fake.athlete_ids()
    bad = connect(app, strava, athlete_id=first)
    connect(app, strava, email="admin@example.com", athlete_id=second)
    with app.app_context():
        revoked = db.session.get(User, bad)
        revoked.strava_refresh_token = "revoked"
        revoked.strava_expires_at = 0
        db.session.commit()
    assert fetch(app) == len(runs_of(strava.fake, second))
    assert f"user {bad}: Strava refused" in caplog.text


def test_rate_limit_retries_then_gives_up(app, strava, caplog):
    connect(app, strava)
    strava.fake.rate_limit = (0, 0)
    caplog.set_level(logging.WARNING, logger=background.__name__)
    with app.app_context():
        result = fetch_all_runs.delay()
    # Eager mode runs each retry at once (no waiting): 1 try + 3 retries.
    assert result.failed()
    assert isinstance(result.result, StravaRateLimited)
    assert caplog.text.count("Strava rate limit (usage") == 3
    assert "gave up after 3 retries" in caplog.text
    assert strava.fake.usage[1] == 4  # every attempt asked Strava once
    assert count_runs(app) == 0


def test_rate_limit_retry_carries_on_once_the_window_resets(
    app, strava, monkeypatch, caplog
):
    first, second = strava.fake.athlete_ids()
    connect(app, strava, athlete_id=first)
    connect(app, strava, email="admin@example.com", athlete_id=second)
    strava.fake.rate_limit = (1, 1000)  # the first user's page, then 429
    countdowns = []

    def wait_for_the_window(error, retries, now):
        countdowns.append(retry_countdown(error, retries, now))
        strava.fake.rate_limit = (100, 1000)  # the 15 minutes have passed
        return countdowns[-1]

    monkeypatch.setattr(background, "retry_countdown", wait_for_the_window)
    caplog.set_level(logging.WARNING, logger=background.__name__)
    # The retry's count is the one returned; the first try's runs were
    # committed before the 429, so together they are every run.
    fetch(app)
    expected = len(runs_of(strava.fake, first)) + len(runs_of(strava.fake, second))
    assert count_runs(app) == expected
    assert len(countdowns) == 1
    assert 0 < countdowns[0] <= 15 * 60
    assert f"retry 1 in {countdowns[0]} s" in caplog.text


def rate_limited(limit, usage):
    return StravaRateLimited(429, limit=limit, usage=usage)


# 2026-11-25 15:40:30 UTC
NOW = 1795621230.0


@pytest.mark.parametrize(
    ("error", "retries", "expected"),
    [
        (rate_limited((100, 1000), (101, 500)), 0, 270),  # to 15:45:00
        (rate_limited((100, 1000), (101, 1001)), 0, 8 * 3600 + 19 * 60 + 31),
        (rate_limited(None, None), 0, 60),  # no headers: backoff
        (rate_limited(None, None), 2, 240),
        (rate_limited(None, None), 10, 900),  # capped
    ],
)
def test_retry_countdown(error, retries, expected):
    assert retry_countdown(error, retries, NOW) == expected
