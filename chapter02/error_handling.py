"""Errors answered in JSON, and the debugger (book: chapter 2, "Error handling
and debugging").

Flask's own error pages are HTML, which an API client cannot read. The
skeleton's ``register_json_errors`` (``chapter02/skeleton/errors.py``) handles
every ``HTTPException`` (404, 405, ``abort(...)``) and every other exception
(500) with ``{"status": ..., "message": ...}``; the traceback goes to the log,
not to the client.

Debug mode is off unless asked for (``flask run --debug``): with it, an error
shows Werkzeug's interactive debugger in the browser, a Python console in the
failing frame. That is what it is for, on a developer's machine; anywhere else
it would run whatever code a visitor types, so production never enables it.

Run it: ``flask --app chapter02.error_handling run``
"""

from flask import Flask, abort

from chapter02.skeleton.errors import register_json_errors

app = Flask(__name__)
register_json_errors(app)

RUNS = {1: {"id": 1, "distance_km": 10.2}}


@app.get("/api/runs/<int:run_id>")
def get_run(run_id: int):
    if run_id not in RUNS:
        abort(404, description=f"no run {run_id}")
    return RUNS[run_id]


@app.get("/api/divide/<int:a>/<int:b>")
def divide(a: int, b: int):
    # b=0 raises ZeroDivisionError: an unexpected error, answered as a 500.
    return {"result": a / b}
