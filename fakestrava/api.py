"""Strava API v3, the read endpoints a runner's app needs.

``/api/v3/athlete`` and ``/api/v3/athlete/activities`` (the list Runnerly
imports), plus one activity by id. Every request needs ``Authorization:
Bearer <access token>`` and counts against the app's rate limits, and every
answer, errors and 429 included, says how much of them is used.
"""

from flask import Blueprint, g, jsonify, request

from .activities import epoch
from .errors import Fault, bad_request
from .oauth import bearer_token, fake
from .state import Grant

api = Blueprint("api", __name__, url_prefix="/api/v3")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 200


@api.before_app_request
def count_request():
    # App-wide, not per blueprint: a 404 under /api/v3 counts and says so too.
    if not request.path.startswith(api.url_prefix):
        return
    allowed, g.rate_limit_headers = fake().count_request()
    if not allowed:
        raise Fault(429, "Application", "rate limit", "exceeded")


@api.after_app_request
def rate_limit_headers(response):
    response.headers.update(g.get("rate_limit_headers", {}))
    return response


def authenticated(*scopes: str) -> Grant:
    """The grant behind the Bearer token, which must hold one of ``scopes``."""
    grant = fake().grant_of(bearer_token())
    granted = grant.scope.split(",")
    if scopes and not any(scope in granted for scope in scopes):
        # Strava's answer when the athlete did not allow reading activities.
        raise Fault(401, "AccessToken", "activity:read_permission", "missing")
    return grant


def _epoch_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        return int(float(raw))  # epoch seconds, a fraction tolerated
    except (ValueError, OverflowError):  # "soon", "inf"
        raise bad_request("Activity", name) from None


def _page_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request("Activity", name)
    return int(raw)


@api.get("/athlete")
def athlete():
    grant = authenticated()
    return jsonify(fake().athlete(grant.athlete_id, detailed=True))


@api.get("/athlete/activities")
def athlete_activities():
    grant = authenticated("activity:read", "activity:read_all")
    before, after = _epoch_arg("before"), _epoch_arg("after")
    page = _page_arg("page", 1)
    # Strava serves at most 200 a page, however many are asked for.
    per_page = min(_page_arg("per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    activities = _visible(fake().activities(grant.athlete_id), grant)
    if before is not None:
        activities = [a for a in activities if epoch(a["start_date"]) < before]
    if after is not None:
        activities = [a for a in activities if epoch(a["start_date"]) > after]
        if before is None:
            # Strava's order: oldest first when asked for what came after a date,
            # so a client can page forward from its last import.
            activities.reverse()
    start = (page - 1) * per_page
    return jsonify(activities[start : start + per_page])


@api.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    grant = authenticated("activity:read", "activity:read_all")
    found = fake().find_activity(activity_id)
    if found is None or not _visible([found], grant):
        raise Fault(404, "Activity", "id")
    found["resource_state"] = 3
    found.setdefault("description", "")
    return jsonify(found)


def _visible(activities: list[dict], grant: Grant) -> list[dict]:
    """Private ("Only Me") activities: only their athlete's, with read_all."""
    read_all = "activity:read_all" in grant.scope.split(",")
    return [
        a
        for a in activities
        if not a["private"] or (read_all and a["athlete"]["id"] == grant.athlete_id)
    ]
