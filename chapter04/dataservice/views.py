"""The data service's endpoints (book: chapter 4, "Data Service").

Users and their runs, as JSON; bad input is a 400 saying why, never a 500.
"""

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, abort, request, url_for
from sqlalchemy import select

from ..monolith.models import Run, User, db
from ..monolith.strava_client import parse_date

api = Blueprint("data", __name__)

# field -> (accepted types, required). bool is an int in Python: refused below.
USER_FIELDS = {
    "email": (str, True),
    "password": (str, False),
    "firstname": (str, False),
    "lastname": (str, False),
    "age": (int, False),
    "weight": ((int, float), False),
    "max_hr": (int, False),
    "rest_hr": (int, False),
    "strava_athlete_id": (int, False),
}
RUN_FIELDS = {
    "strava_id": (int, True),
    "name": (str, True),
    "distance": ((int, float), True),
    "start_date": (str, True),
    "elapsed_time": (int, True),
    "moving_time": (int, True),
    "average_speed": ((int, float), True),
    "max_speed": ((int, float), True),
    "average_heartrate": ((int, float), False),
    "total_elevation_gain": ((int, float), False),
}


def checked_body(fields: dict) -> dict:
    """The JSON body, checked against ``fields``; 400 with the reason if not."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "The body must be a JSON object.")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        abort(400, f"Unknown field(s): {', '.join(unknown)}.")
    for name, (types, required) in fields.items():
        if name not in data:
            if required:
                abort(400, f"Missing field: {name}.")
            continue
        value = data[name]
        if value is None and not required:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            abort(400, f"Wrong type for field: {name}.")
    return data


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
    data = checked_body(USER_FIELDS)
    try:
        email = validate_email(data["email"], check_deliverability=False).normalized
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
    return user_json(db.get_or_404(User, user_id, description="No such user."))


@api.get("/users/<int:user_id>/runs")
def list_runs(user_id: int):
    user = db.get_or_404(User, user_id, description="No such user.")
    return [run_json(run) for run in user.runs]


@api.post("/users/<int:user_id>/runs")
def add_run(user_id: int):
    user = db.get_or_404(User, user_id, description="No such user.")
    data = checked_body(RUN_FIELDS)
    try:
        start_date: datetime = parse_date(data["start_date"])
    except ValueError:
        abort(400, "start_date must be an ISO 8601 date-time.")
    if db.session.scalar(select(Run).where(Run.strava_id == data["strava_id"])):
        abort(409, "This Strava activity is stored already.")
    # Absent and null are the same: the column's default applies.
    fields = {name: value for name, value in data.items() if value is not None}
    run = Run(**{**fields, "start_date": start_date}, user=user)
    db.session.add(run)
    db.session.commit()
    return run_json(run), 201, {"Location": url_for(".get_run", run_id=run.id)}


@api.get("/runs/<int:run_id>")
def get_run(run_id: int):
    return run_json(db.get_or_404(Run, run_id, description="No such run."))
