"""Blueprints: code in namespaces (book: chapter 2, "Blueprints").

A blueprint groups the views of one concern; the app mounts it under a URL
prefix. Endpoint names are namespaced by blueprint (``runs.list_runs`` and
``users.list_users``), and a blueprint can be mounted twice (here, a second
time under a version prefix).

Run it: ``flask --app chapter02.blueprints run``
"""

from flask import Blueprint, Flask, url_for

from chapter02.skeleton.errors import register_json_errors

runs = Blueprint("runs", __name__)
users = Blueprint("users", __name__)


@runs.get("/")
def list_runs():
    return {"runs": [1, 2], "users": url_for("users.list_users")}


@runs.get("/<int:run_id>")
def get_run(run_id: int):
    # A leading dot: the endpoint in the blueprint that handles this request.
    return {"run": run_id, "self": url_for(".get_run", run_id=run_id)}


@users.get("/")
def list_users():
    return {"users": ["tarek"], "runs": url_for("runs.list_runs")}


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)
    app.register_blueprint(runs, url_prefix="/api/runs")
    app.register_blueprint(users, url_prefix="/api/users")
    # The same blueprint again, under its own name and prefix.
    app.register_blueprint(runs, url_prefix="/api/v2/runs", name="runs_v2")
    return app


app = create_app()
