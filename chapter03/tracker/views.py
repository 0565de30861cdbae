"""The proxy's HTTP API (book: chapter 3, "Functional tests").

A blueprint mounted at ``/api/bugs``.

The docstrings are the API reference: Sphinx's ``autoflask`` reads them
(see ``chapter03/docs/api.rst``), so they use httpdomain's fields.
"""

import logging

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import BadGateway, GatewayTimeout

from chapter02.skeleton.errors import error_response

from .bugs import InvalidBug, summarise, tracker_statuses, validate_new_bug
from .client import TrackerClient, TrackerError

bugs_api = Blueprint("bugs", __name__)
# A module logger, not app.logger: that one writes to the WSGI error stream,
# which WebTest (rightly) reads as the app reporting a crash.
log = logging.getLogger(__name__)


def tracker() -> TrackerClient:
    return current_app.extensions["tracker"]


@bugs_api.get("/<int:bug_id>")
def get_bug(bug_id: int):
    """One bug, summarised.

    :status 200: ``{"id", "title", "state", "severity", "assignee", "comments"}``
    :status 404: the tracker has no such bug
    :status 502: the tracker failed or is unreachable
    :status 504: the tracker did not answer in time
    """
    bug = tracker().get_bug(bug_id)
    if bug is None:
        abort(404, f"no bug {bug_id}")
    return jsonify(summarise(bug))


@bugs_api.get("")
def list_bugs():
    """The bugs in one state, summarised.

    :query status: ``open`` (the default), ``closed`` or ``all``
    :status 200: ``{"filter": state, "count": n, "bugs": [summary, ...]}``
    :status 400: unknown state
    :status 502: the tracker failed or is unreachable
    :status 504: the tracker did not answer in time
    """
    state = request.args.get("status", "open")
    try:
        statuses = tracker_statuses(state)
    except ValueError as error:
        abort(400, str(error))
    found = [summarise(bug) for bug in tracker().search(statuses)]
    return jsonify(filter=state, count=len(found), bugs=found)


@bugs_api.post("")
def file_bug():
    """File a new bug.

    :reqjson string title: what is wrong (required, at most 200 characters)
    :reqjson string severity: ``minor``, ``normal`` (the default), ``major``
        or ``critical``
    :resheader Location: the new bug's URL
    :status 201: filed; the body is ``{"id", "url"}``
    :status 400: the body is not a valid bug; the message says why
    :status 502: the tracker failed or is unreachable
    :status 504: the tracker did not answer in time
    """
    # silent: a body that is not JSON gets the same 400 as a bad bug.
    payload = request.get_json(silent=True)
    try:
        fields = validate_new_bug(payload)
    except InvalidBug as error:
        abort(400, str(error))
    bug_id = tracker().create_bug(fields)
    location = url_for(".get_bug", bug_id=bug_id)
    response = jsonify(id=bug_id, url=location)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def tracker_error(error: TrackerError):
    """A failing tracker is a bad gateway (502) or a gateway timeout (504)."""
    # The details (the tracker's URL, its answer) go to the log, not to the
    # client: they describe our infrastructure.
    log.warning("bug tracker: %s", error)
    if error.status == 504:
        return error_response(GatewayTimeout("the bug tracker did not answer in time"))
    return error_response(BadGateway("the bug tracker failed to answer"))
