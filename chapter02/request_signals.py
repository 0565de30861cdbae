"""Signals (book: chapter 2, "Signals").

Flask sends blinker signals at points of a request's life (started, finished,
exception, ...); other code subscribes without the view knowing. A service can
define its own signals the same way, in its own namespace.

Run it: ``flask --app chapter02.request_signals run``
"""

from blinker import Namespace
from flask import Flask, abort, got_request_exception, request, request_finished

from chapter02.skeleton.errors import register_json_errors

signals = Namespace()
run_recorded = signals.signal("run-recorded")

app = Flask(__name__)
register_json_errors(app)
# What the subscribers saw, so that the demo can show it.
app.extensions["events"] = []


@request_finished.connect_via(app)
def log_response(sender, response, **extra):
    sender.extensions["events"].append(f"finished {request.path} {response.status}")


@got_request_exception.connect_via(app)
def log_exception(sender, exception, **extra):
    sender.extensions["events"].append(f"exception {exception!r}")


@run_recorded.connect
def congratulate(sender, distance, **extra):
    if distance >= 42.195:
        sender.extensions["events"].append("marathon!")


@app.post("/api/runs")
def record_run():
    body = request.get_json(silent=True)
    distance = body.get("distance") if isinstance(body, dict) else None
    # bool is an int in Python, but not a distance.
    if not isinstance(distance, int | float) or isinstance(distance, bool):
        abort(400, description='expected a JSON object with a numeric "distance"')
    run_recorded.send(app, distance=distance)
    return {"distance": distance}, 201


@app.get("/api/crash")
def crash():
    raise RuntimeError("boom")


@app.get("/api/events")
def events():
    return {"events": app.extensions["events"]}
