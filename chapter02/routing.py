"""How Flask routes a request (book: chapter 2, "Routing", "Variables and
converters").

Run it: ``flask --app chapter02.routing run``
"""

from flask import Flask, jsonify, request, url_for

from chapter02.skeleton.errors import register_json_errors

app = Flask(__name__)
# JSON for 404 and 405 too; the chapter's last example explains how.
register_json_errors(app)

RUNS = {1: {"id": 1, "distance_km": 10.2}, 2: {"id": 2, "distance_km": 5.0}}


@app.get("/api/")
def index():
    # url_for builds URLs from endpoint names, so moving a route breaks nothing.
    return jsonify(
        runs=url_for("list_runs"),
        run=url_for("get_run", run_id=1),
        search=url_for("list_runs", min_km=6),  # unknown arguments become ?min_km=6
        file=url_for("get_file", name="2017/march/race.gpx"),
    )


@app.route("/api/runs", methods=["GET", "POST"])
def list_runs():
    if request.method == "POST":
        # One view, two methods; any other method is a 405 with an Allow header.
        # (Storing runs comes with the database, in chapter 04.)
        new_id = max(RUNS) + 1
        location = url_for("get_run", run_id=new_id)
        return jsonify(id=new_id), 201, {"Location": location}
    min_km = request.args.get("min_km", 0, type=float)
    return jsonify([run for run in RUNS.values() if run["distance_km"] >= min_km])


# The int converter only matches digits and hands the view an int: /api/runs/abc
# is a 404 before any code of ours runs.
@app.get("/api/runs/<int:run_id>")
def get_run(run_id: int):
    if run_id not in RUNS:
        return jsonify(status=404, message=f"no run {run_id}"), 404
    return jsonify(RUNS[run_id])


# path accepts slashes, where the default string converter stops at one.
@app.get("/api/files/<path:name>")
def get_file(name: str):
    return jsonify(name=name, parts=name.split("/"))


@app.get("/api/races/<uuid:race_id>")
def get_race(race_id):
    return jsonify(race=str(race_id), type=type(race_id).__name__)
