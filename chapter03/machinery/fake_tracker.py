"""A fake bug tracker (book: chapter 3, "Integration tests").

A tiny stand-in for the outside Bugzilla-like API the proxy talks to, for
demos and for the tests that run the proxy over real HTTP. It keeps bugs in
memory, and three bug ids misbehave on purpose, so every error path of the
proxy can be shown with a real server behind it:

- ``/rest/bug/500`` answers a 500,
- ``/rest/bug/504`` answers only after ``SLOW_SECONDS`` (past the proxy's
  timeout),
- ``/rest/bug/666`` answers 200 with a body that is not JSON.

Run it alone with ``python -m chapter03.machinery.fake_tracker`` (on ``$PORT``).
"""

import itertools
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from chapter02.skeleton.serving import run_app

BROKEN, SLOW, GARBLED = 500, 504, 666

SAMPLE_BUGS = [
    {
        "id": 1,
        "summary": "Runs imported twice from Strava",
        "status": "NEW",
        "severity": "major",
        "assigned_to": "tarek@example.com",
        "product": "Runnerly",
        "comments": [{"text": "Seen on every run since Monday."}],
    },
    {
        "id": 2,
        "summary": "Dashboard shows miles to metric users",
        "status": "ASSIGNED",
        "severity": "normal",
        "assigned_to": "",
        "product": "Runnerly",
        "comments": [],
    },
    {
        "id": 3,
        "summary": "Login page is slow",
        "status": "RESOLVED",
        "severity": "minor",
        "assigned_to": "tarek@example.com",
        "product": "Runnerly",
        "comments": [{"text": "Cached the template."}, {"text": "Verified."}],
    },
]


def create_app(slow_seconds: float = 5.0) -> Flask:
    """A fresh tracker holding the sample bugs (each app has its own store)."""
    app = Flask(__name__)
    store = {bug["id"]: dict(bug) for bug in SAMPLE_BUGS}
    new_ids = itertools.count(max(store) + 1)
    lock = threading.Lock()  # the server is threaded; filing is a write

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Bugzilla's JSON error shape, for unknown paths and methods too.
        return jsonify(
            error=True, code=error.code, message=error.description
        ), error.code

    @app.get("/rest/bug/<int:bug_id>")
    def get_bug(bug_id: int):
        if bug_id == BROKEN:
            return jsonify(error=True, message="Internal Server Error"), 500
        if bug_id == SLOW:
            time.sleep(slow_seconds)
        if bug_id == GARBLED:
            return "<html>maintenance</html>", 200, {"Content-Type": "text/html"}
        if bug_id not in store:
            message = f"Bug #{bug_id} does not exist."
            return jsonify(error=True, code=101, message=message), 404
        return jsonify(bugs=[store[bug_id]])

    @app.get("/rest/bug")
    def search():
        wanted = set(request.args.getlist("status"))
        found = [bug for bug in store.values() if not wanted or bug["status"] in wanted]
        return jsonify(bugs=found)

    @app.post("/rest/bug")
    def file_bug():
        fields = request.get_json(silent=True)
        if not isinstance(fields, dict) or not fields.get("summary"):
            message = "You must enter a summary for this bug."
            return jsonify(error=True, code=32000, message=message), 400
        with lock:
            bug_id = next(new_ids)
            store[bug_id] = {
                "id": bug_id,
                "summary": fields["summary"],
                "status": "NEW",
                "severity": fields.get("severity", "normal"),
                "assigned_to": "",
                "product": fields.get("product", ""),
                "comments": [],
            }
        return jsonify(id=bug_id)

    return app


def main() -> None:
    run_app(create_app(), "Fake bug tracker on http://127.0.0.1:{port}/rest/bug")


if __name__ == "__main__":
    main()
