"""Book: chapter 8, "Interacting with Data Service": the new operations.

What the dashboard, the browser and the Strava worker need beyond chapter
4's API: the runner who logged in with Strava (created or updated), their
Strava tokens, their runs by month and the month totals, a batch import of
runs that is idempotent (a Strava id stored already is skipped) and all or
nothing, the sync state, and the syncs a dead worker left. Bodies are
checked against ``openapi.yaml``; bad input is a JSON 400/404/409 saying
why, never a 500 (chapter 4's check: ``chapter04/contract.py``).
"""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, request, url_for
from sqlalchemy import extract, func, select
from sqlalchemy.exc import IntegrityError

from chapter04.contract import as_columns
from chapter04.dataservice.views import (
    INT64,
    RUN_FIELDS,
    checked,
    get_or_404,
    run_json,
    user_json,
)
from chapter04.monolith.models import Run, User, db
from chapter04.monolith.strava_client import parse_date

from .models import STATES, SyncState

api = Blueprint("runnerly", __name__)

NO_SUCH_USER = "No such user."
# The largest age a sync query takes (a 32-bit integer of seconds: 68 years).
MAX_AGE = 2147483647


# Chapter 4's GET /users and GET /users/{id}/runs, with query parameters.


def list_users():
    """``?strava_connected=true``: the users the worker syncs."""
    query = select(User).order_by(User.id)
    connected = request.args.get("strava_connected")
    if connected is not None:
        if connected not in ("true", "false"):
            abort(400, "strava_connected must be true or false.")
        column = User.strava_refresh_token
        query = query.where(
            column.is_not(None) if connected == "true" else column.is_(None)
        )
    return [user_json(user) for user in db.session.scalars(query)]


def list_runs(user_id: int):
    """Newest first; ``?year=2026&month=11``: that month's only."""
    user = get_or_404(User, user_id, NO_SUCH_USER)
    query = select(Run).where(Run.user_id == user.id)
    period = month_period()
    if period is not None:
        start, end = period
        query = query.where(Run.start_date >= start)
        if end is not None:
            query = query.where(Run.start_date < end)
    query = query.order_by(Run.start_date.desc(), Run.id.desc())
    return [run_json(run) for run in db.session.scalars(query)]


def month_period() -> tuple[datetime, datetime | None] | None:
    """The query's month as [start, end), or None if it names none."""
    year, month = request.args.get("year"), request.args.get("month")
    if year is None and month is None:
        return None
    if year is None or month is None:
        abort(400, "year and month go together: both or neither.")
    try:
        year, month = int(year), int(month)
    except ValueError:
        abort(400, "year and month must be integers.")
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        abort(400, "year must be 1 to 9999, month 1 to 12.")
    start = datetime(year, month, 1)
    if month < 12:
        return start, datetime(year, month + 1, 1)
    # December 9999 has no next month in Python's calendar: no upper bound.
    return start, datetime(year + 1, 1, 1) if year < 9999 else None


@api.get("/users/<int:user_id>/months")
def list_months(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    # In the database, one row per month: the same SQL on SQLite and PostgreSQL.
    year = extract("year", Run.start_date)
    month = extract("month", Run.start_date)
    rows = db.session.execute(
        select(
            year,
            month,
            func.count(Run.id),
            func.sum(Run.distance),
            func.sum(Run.moving_time),
            func.sum(Run.elapsed_time),
        )
        .where(Run.user_id == user.id)
        .group_by(year, month)
        .order_by(year.desc(), month.desc())
    )
    return [
        {
            # PostgreSQL's EXTRACT is a numeric: Decimal('2026').
            "year": int(row[0]),
            "month": int(row[1]),
            "runs": row[2],
            "distance": float(row[3]),
            "moving_time": int(row[4]),
            "elapsed_time": int(row[5]),
        }
        for row in rows
    ]


# Strava: the runner who logged in, and the tokens the worker uses.


@api.put("/users/strava/<int:athlete_id>")
def upsert_strava_user(athlete_id: int):
    if athlete_id < 1 or athlete_id not in INT64:
        abort(400, "athlete_id is out of range.")
    data = checked("StravaLogin")
    user = db.session.scalars(
        select(User).where(User.strava_athlete_id == athlete_id).order_by(User.id)
    ).first()
    created = user is None
    if created:
        # Strava gives no email; users.email is required and unique. A
        # .invalid address (RFC 6761) is never mailed.
        email = f"athlete-{athlete_id}@strava.invalid"
        if db.session.scalar(select(User).where(User.email == email)):
            abort(409, f"A user with the email {email} exists already.")
        user = User(email=email, strava_athlete_id=athlete_id)
        db.session.add(user)
    user.firstname, user.lastname = data["firstname"], data["lastname"]
    user.strava_access_token = data["strava_access_token"]
    user.strava_refresh_token = data["strava_refresh_token"]
    user.strava_expires_at = int(data["strava_expires_at"])
    db.session.commit()
    if created:
        location = url_for("data.get_user", user_id=user.id)
        return user_json(user), 201, {"Location": location}
    return user_json(user)


def strava_token_json(user: User) -> dict:
    return {
        "access_token": user.strava_access_token,
        "refresh_token": user.strava_refresh_token,
        "expires_at": user.strava_expires_at,
    }


@api.get("/users/<int:user_id>/strava-token")
def get_strava_token(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    if not user.strava_connected or user.strava_expires_at is None:
        abort(404, "This user has no Strava connection.")
    return strava_token_json(user)


@api.put("/users/<int:user_id>/strava-token")
def put_strava_token(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    data = checked("StravaToken")
    user.strava_access_token = data["access_token"]
    user.strava_refresh_token = data["refresh_token"]
    user.strava_expires_at = int(data["expires_at"])
    db.session.commit()
    return strava_token_json(user)


# The import: what the worker posts, page after page, retried at will.


def run_fields(run: dict, index: int) -> dict:
    """A run of the body as the columns take it (the schema checked it)."""
    fields = as_columns(run, RUN_FIELDS)
    try:
        fields["start_date"] = parse_date(run["start_date"])
    except ValueError:
        abort(400, f"$.runs[{index}].start_date: must be an ISO 8601 date-time")
    return fields


@api.post("/users/<int:user_id>/runs/import")
def import_runs(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    body = checked("RunImport")
    runs: dict[int, dict] = {}
    for index, run in enumerate(body["runs"]):
        fields = run_fields(run, index)
        runs.setdefault(fields["strava_id"], fields)  # twice in a batch: once
    try:
        created = store_new_runs(user, runs)
    except IntegrityError:
        # Another import stored some of these meanwhile (the unique
        # strava_id said so): once more, it now sees them as existing.
        db.session.rollback()
        created = store_new_runs(user, runs)
    return {"created": created, "existing": len(body["runs"]) - created}


def store_new_runs(user: User, runs: dict[int, dict]) -> int:
    """Add the runs not stored yet, in one transaction; how many."""
    stored = dict(
        db.session.execute(
            select(Run.strava_id, Run.user_id).where(Run.strava_id.in_(runs))
        ).all()
    )
    others = sorted(
        strava_id for strava_id, owner in stored.items() if owner != user.id
    )
    if others:
        abort(409, f"Strava activity {others[0]} belongs to another user.")
    new = [fields for strava_id, fields in runs.items() if strava_id not in stored]
    db.session.add_all(Run(**fields, user_id=user.id) for fields in new)
    db.session.commit()
    return len(new)


# The sync state: written by the worker, polled by the browser.


def sync_json(sync: SyncState | None) -> dict:
    if sync is None:
        return {"state": "idle", "imported": 0, "message": None, "updated_at": None}
    return {
        "state": sync.state,
        "imported": sync.imported,
        "message": sync.message,
        "updated_at": sync.updated_at.isoformat(timespec="seconds") + "Z",
    }


@api.get("/syncs")
def list_syncs():
    """``?state=running&older_than=120``: the running syncs silent for two
    minutes, whose worker died (the Strava worker resumes them). The age is
    by this service's clock, the one that wrote ``updated_at``."""
    query = select(SyncState).order_by(SyncState.user_id)
    state = request.args.get("state")
    if state is not None:
        if state not in STATES:
            abort(400, f"state must be one of {', '.join(STATES)}.")
        query = query.where(SyncState.state == state)
    older_than = request.args.get("older_than")
    if older_than is not None:
        # ASCII digits only: int() would take "٣" or " 3 " too.
        if not (older_than.isascii() and older_than.isdigit()):
            abort(400, "older_than must be a number of seconds.")
        seconds = int(older_than)
        if seconds > MAX_AGE:
            abort(400, f"older_than must be at most {MAX_AGE} seconds.")
        now = datetime.now(UTC).replace(tzinfo=None)
        query = query.where(SyncState.updated_at < now - timedelta(seconds=seconds))
    return [
        {"user_id": sync.user_id, **sync_json(sync)}
        for sync in db.session.scalars(query)
    ]


@api.get("/users/<int:user_id>/sync")
def get_sync(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    return sync_json(db.session.get(SyncState, user.id))


@api.put("/users/<int:user_id>/sync")
def put_sync(user_id: int):
    user = get_or_404(User, user_id, NO_SUCH_USER)
    data = checked("SyncUpdate")
    sync = db.session.get(SyncState, user.id) or SyncState(user_id=user.id)
    sync.state = data["state"]
    sync.imported = int(data.get("imported") or 0)  # 3.0 is 3 in JSON
    sync.message = data.get("message")
    sync.updated_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.add(sync)
    db.session.commit()
    return sync_json(sync)
