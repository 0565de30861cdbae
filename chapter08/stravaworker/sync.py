"""One runner's import, step by step (book: chapter 8, "Getting the Strava
token" and "Interacting with Data Service").

The same job as chapter 04's ``import_user_runs``, but the worker owns no
database: it reads the runner's Strava token from the data service, refreshes
it at Strava when it is about to expire (and stores the new one back), pages
through the activities, keeps the runs, and posts them in batches to the
data service's idempotent import. Errors are typed so the task can choose:
retry later, or fail with a message the runner can read.

An activity becomes the body of chapter 04's ``POST /runs`` (NewRun)::

    >>> activity = {"id": 7, "type": "Run", "name": "Lunch Run",
    ...     "distance": 5000.0, "start_date": "2026-11-20T12:00:00Z",
    ...     "elapsed_time": 1600, "moving_time": 1500, "average_speed": 3.3,
    ...     "max_speed": 4.1, "total_elevation_gain": 12.0, "kudos_count": 3}
    >>> run = run_from_activity(activity)
    >>> run["strava_id"], run["average_heartrate"], "kudos_count" in run
    (7, None, False)
    >>> run_from_activity({"id": 8, "type": "Run"})
    Traceback (most recent call last):
    ...
    chapter08.stravaworker.sync.BrokenStravaAnswer: Strava's activity 8 has no name.
"""

from collections.abc import Callable
from dataclasses import dataclass

import requests

from chapter04.monolith.strava_client import (
    EXPIRY_MARGIN,
    StravaClient,
    StravaError,
    StravaRateLimited,
    StravaUnauthorized,
    parse_date,
)

from .data_client import DataService

# The most runs the data service takes in one import.
BATCH = 200

# NewRun's fields: name in Strava's activity -> (types, required). The data
# service's own list (chapter04/dataservice/views.py) is not imported: that
# would put the data service's code into the worker's wheel (chapter 09).
NUMBER = (int, float)
RUN_FIELDS = {
    "name": (str, True),
    "distance": (NUMBER, True),
    "start_date": (str, True),
    "elapsed_time": (int, True),
    "moving_time": (int, True),
    "average_speed": (NUMBER, True),
    "max_speed": (NUMBER, True),
    "average_heartrate": (NUMBER, False),
    "total_elevation_gain": (NUMBER, False),
}


class SyncFailed(Exception):
    """The import cannot succeed as things are; the message says why."""


class BrokenStravaAnswer(SyncFailed):
    """Strava answered, but not with what its API documents."""


class StravaUnavailable(Exception):
    """No answer from Strava (refused, timeout): worth trying later."""


@dataclass
class Progress:
    """How far the current pass through the activities is: the runs it
    posted. What a sync imported is not added up from the import's answers
    (an answer can be lost while its runs were stored): the task counts it
    from the data service (see tasks.run_sync)."""

    posted: int = 0  # runs posted by the current pass through the activities


# Called with the progress after each page: the worker's heartbeat.
Heartbeat = Callable[[Progress], None]


def no_heartbeat(progress: Progress) -> None:
    pass


def sync_runner(
    data: DataService,
    strava: StravaClient,
    user_id: int,
    now: float,
    per_page: int = 200,
    progress: Progress | None = None,
    heartbeat: Heartbeat = no_heartbeat,
) -> Progress:
    """Import a runner's runs from Strava into the data service; call
    ``heartbeat`` after each page.

    Raises StravaRateLimited, StravaUnavailable and DataServiceUnavailable
    (try later), SyncFailed and DataServiceError (give up, say why).
    """
    progress = progress or Progress()
    args = (data, strava, user_id)
    try:
        tokens = data.strava_token(user_id)
        access_token = fresh_access_token(data, strava, user_id, tokens, now)
        try:
            import_all(*args, access_token, per_page, progress, heartbeat)
        except StravaUnauthorized:
            # Expired early, or revoked: refresh once and start again. Runs
            # already posted come back as "existing": nothing doubles.
            access_token = refresh(data, strava, user_id, tokens)
            import_all(*args, access_token, per_page, progress, heartbeat)
    except StravaRateLimited:
        raise
    except StravaUnauthorized as error:
        raise SyncFailed(
            "Strava refused the runner's token: log in with Strava again."
        ) from error
    except StravaError as error:
        raise SyncFailed(f"Strava answered {error.status}: try again later.") from error
    except requests.RequestException as error:
        raise StravaUnavailable(f"Strava did not answer: {error}") from error
    return progress


def fresh_access_token(
    data: DataService, strava: StravaClient, user_id: int, tokens: dict, now: float
) -> str:
    """The access token, refreshed first if it expires within a minute."""
    expires_at = tokens.get("expires_at") if isinstance(tokens, dict) else None
    if not isinstance(expires_at, int) or expires_at <= now + EXPIRY_MARGIN:
        return refresh(data, strava, user_id, tokens)
    return tokens["access_token"]


def refresh(data: DataService, strava: StravaClient, user_id: int, tokens) -> str:
    refresh_token = tokens.get("refresh_token") if isinstance(tokens, dict) else None
    if not refresh_token:
        raise SyncFailed("The runner has no Strava token: log in with Strava.")
    try:
        answer = strava.refresh(refresh_token)
    except StravaRateLimited:
        raise
    except StravaError as error:
        if error.status in (400, 401):  # revoked, or the runner deauthorized us
            raise SyncFailed(
                "Strava refused to refresh the runner's token: "
                "log in with Strava again."
            ) from error
        raise
    new = checked_tokens(answer)
    # Stored at once: Strava may have changed the refresh token, and the
    # old access token may no longer work.
    data.store_strava_token(user_id, new)
    return new["access_token"]


def checked_tokens(answer) -> dict:
    fields = {"access_token": str, "refresh_token": str, "expires_at": int}
    if not isinstance(answer, dict) or not all(
        isinstance(answer.get(name), kind) and not isinstance(answer.get(name), bool)
        for name, kind in fields.items()
    ):
        raise BrokenStravaAnswer("Strava's token answer lacks the tokens.")
    return {name: answer[name] for name in fields}


def import_all(
    data: DataService,
    strava: StravaClient,
    user_id: int,
    access_token: str,
    per_page: int,
    progress: Progress,
    heartbeat: Heartbeat = no_heartbeat,
) -> None:
    """Page through the activities; post each page's runs (BATCH at most at
    a time), then beat: the sync's state moves on at every page, so a live
    sync is told from one whose worker died (see tasks.resume_stale)."""
    progress.posted = 0  # this pass posts every run, from the first page
    batch: list[dict] = []
    seen = 0
    for activity in strava.activities(access_token, per_page=per_page):
        seen += 1
        if not isinstance(activity, dict):
            raise BrokenStravaAnswer("Strava's answer is not a list of activities.")
        # Rides, swims and walks are not runs.
        if activity.get("type") == "Run":
            batch.append(run_from_activity(activity))
        if len(batch) == BATCH:
            batch = post(data, user_id, batch, progress)
        if seen % per_page == 0:  # a full page: the next one is asked for next
            batch = post(data, user_id, batch, progress)
            heartbeat(progress)
    post(data, user_id, batch, progress)


def post(
    data: DataService, user_id: int, runs: list[dict], progress: Progress
) -> list[dict]:
    """Import ``runs`` (if any); the next, empty batch."""
    if runs:
        data.import_runs(user_id, runs)
        progress.posted += len(runs)
    return []


def run_from_activity(activity: dict) -> dict:
    """The run the data service stores; BrokenStravaAnswer if fields lack."""
    strava_id = activity.get("id")
    if not isinstance(strava_id, int) or isinstance(strava_id, bool):
        raise BrokenStravaAnswer("Strava sent an activity without an id.")
    run = {"strava_id": strava_id}
    for name, (types, required) in RUN_FIELDS.items():
        value = activity.get(name)
        if value is None:
            if required:
                raise BrokenStravaAnswer(
                    f"Strava's activity {strava_id} has no {name}."
                )
            run[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            raise BrokenStravaAnswer(
                f"Strava's activity {strava_id} has a wrong {name}."
            )
        run[name] = value
    try:
        parse_date(run["start_date"])
    except ValueError:
        raise BrokenStravaAnswer(
            f"Strava's activity {strava_id} has a wrong start_date."
        ) from None
    return run
