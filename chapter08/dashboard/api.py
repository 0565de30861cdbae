"""Book: chapter 8, "JavaScript authentication": what the page's script asks.

``GET /api/token``: the logged-in runner's session becomes a short-lived
runner token (TokenDealer's token exchange), with the data service's URL:
the browser then calls the data service itself, ``Authorization: Bearer``,
and renews the token before it expires. ``POST /api/sync`` queues a Strava
sync of that runner; it changes something, so it needs the page's CSRF
token (header ``X-CSRFToken``) on top of the session cookie.
"""

from flask import Blueprint, abort, current_app, jsonify, session
from kombu.exceptions import OperationalError

from .sync_queue import queue_sync

api = Blueprint("api", __name__, url_prefix="/api")


def logged_in_runner() -> int:
    if "user_id" not in session:
        abort(401, "Log in with Strava first.")
    return session["user_id"]


@api.get("/token")
def token():
    user_id = logged_in_runner()
    dashboard = current_app.extensions["dashboard"]
    answer = dashboard.services.runner_token(user_id)
    response = jsonify(
        access_token=answer["access_token"],
        expires_in=answer["expires_in"],
        data_service=dashboard.public_data_url,
        user_id=user_id,
    )
    # A token is never cached, by the browser or anything in between.
    response.headers["Cache-Control"] = "no-store"
    return response


@api.post("/sync")
def sync():
    user_id = logged_in_runner()
    dashboard = current_app.extensions["dashboard"]
    # Queued first, then sent: a worker that starts at once moves the state
    # on from "queued", never back to it.
    dashboard.services.set_sync_state(user_id, "queued")
    try:
        task_id = queue_sync(dashboard.celery, user_id)
    except (OperationalError, OSError):
        message = "The sync queue is not answering: try again in a moment."
        dashboard.services.set_sync_state(user_id, "failed", message)
        abort(503, message)
    response = jsonify(state="queued", user_id=user_id, task_id=task_id)
    response.status_code = 202
    return response
