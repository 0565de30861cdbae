"""The data service's endpoints (book: chapter 4, "Data Service").

Users and their runs, as JSON; bad input is a 400 saying why, never a 500.
Bodies are checked against ``openapi.yaml`` (``chapter04/contract.py``).
"""

from email_validator import EmailNotValidError
from flask import Blueprint, abort, current_app, request, url_for
from sqlalchemy import select

from ..contract import as_columns, fields, load_spec, problem
from ..monolith.emails import normalize_email
from ..monolith.models import Run, User, db
from ..monolith.strava_client import parse_date

api = Blueprint("data", __name__)

# What SQLite's INTEGER and PostgreSQL's BIGINT hold; openapi.yaml says so too.
INT64 = range(-(2**63), 2**63)

# The bodies' fields, as the spec has them.
SPEC = load_spec()
USER_FIELDS = fields(SPEC, "NewUser")
RUN_FIELDS = fields(SPEC, "NewRun")


def checked(schema: str) -> dict:
    """The JSON body, valid for ``#/components/schemas/<schema>``; else 400."""
    # Not JSON, not UTF-8, not application/json: None, as for a JSON array.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "The body must be a JSON object.")
    message = problem(current_app.extensions["body_validators"][schema], data)
    if message is not None:
        abort(400, message)
    return data


def get_or_404(model, ident: int, description: str):
    # An id beyond 64 bits names no row: the database would not even take it.
    if ident not in INT64:
        abort(404, description)
    return db.get_or_404(model, ident, description=description)


def user_json(user: User) -> dict:
    # Never the password hash nor the Strava tokens: they stay in here.
    return {
        "id": user.id,
        "email": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "is_admin": user.is_admin,
        "age": user.age,
        "weight": user.weight,
        "max_hr": user.max_hr,
        "rest_hr": user.rest_hr,
        "strava_athlete_id": user.strava_athlete_id,
        "strava_connected": user.strava_connected,
    }


def run_json(run: Run) -> dict:
    return {
        "id": run.id,
        "user_id": run.user_id,
        "strava_id": run.strava_id,
        "name": run.name,
        "distance": run.distance,
        "start_date": run.start_date.isoformat() + "Z",
        "elapsed_time": run.elapsed_time,
        "moving_time": run.moving_time,
        "average_speed": run.average_speed,
        "max_speed": run.max_speed,
        "average_heartrate": run.average_heartrate,
        "total_elevation_gain": run.total_elevation_gain,
    }


@api.get("/users")
def list_users():
    return [
        user_json(user) for user in db.session.scalars(select(User).order_by(User.id))
    ]


@api.post("/users")
def create_user():
    data = as_columns(checked("NewUser"), USER_FIELDS)
    try:
        # The monolith's rule: any syntactically valid address (.local, .test,
        # .invalid included: nothing is mailed), in its normal form.
        email = normalize_email(data["email"])
    except EmailNotValidError as error:
        abort(400, f"Invalid email: {error}")
    if db.session.scalar(select(User).where(User.email == email)):
        abort(409, "A user with this email exists already.")
    password = data.pop("password", None)
    user = User(**{**data, "email": email})
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user_json(user), 201, {"Location": url_for(".get_user", user_id=user.id)}


@api.get("/users/<int:user_id>")
def get_user(user_id: int):
    return user_json(get_or_404(User, user_id, "No such user."))


@api.get("/users/<int:user_id>/runs")
def list_runs(user_id: int):
    user = get_or_404(User, user_id, "No such user.")
    return [run_json(run) for run in user.runs]


@api.post("/users/<int:user_id>/runs")
def add_run(user_id: int):
    user = get_or_404(User, user_id, "No such user.")
    data = as_columns(checked("NewRun"), RUN_FIELDS)
    # UTC, as Strava sends it (the spec's pattern says so): an offset could
    # even move the date out of Python's range (0001-01-01T00:00:00+01:00).
    try:
        data["start_date"] = parse_date(data["start_date"])
    except ValueError:
        abort(400, "$.start_date: must be an ISO 8601 date-time")
    if db.session.scalar(select(Run).where(Run.strava_id == data["strava_id"])):
        abort(409, "This Strava activity is stored already.")
    run = Run(**data, user=user)
    db.session.add(run)
    db.session.commit()
    return run_json(run), 201, {"Location": url_for(".get_run", run_id=run.id)}


@api.get("/runs/<int:run_id>")
def get_run(run_id: int):
    return run_json(get_or_404(Run, run_id, "No such run."))
