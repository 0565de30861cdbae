"""Book: chapter 5, 'Asynchronous calls' > 'Task queues' (the producer side).

A Flask service that does not do slow work itself: it puts a task on the
queue, answers ``202 Accepted`` at once with where to look, and a worker
(``chapter05.tasks_worker``) does the work. ``GET /api/tasks/<id>`` reports
the task's state from Celery's result store: PENDING (queued, or unknown:
Celery cannot tell those apart), RETRY, SUCCESS with the result, FAILURE with
the error.

``CELERY_EAGER=1 python -m chapter05.tasks_producer`` runs it without Redis or
a worker (tasks run inline); without it, it needs Redis and a worker.
"""

from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult
from flask import Flask, abort, jsonify, request, url_for

from chapter02.skeleton.errors import register_json_errors
from chapter02.skeleton.serving import run_app

from .runs import sample_runs
from .tasks_worker import celery_app, compute_stats, dead_letters, fetch_stats


def _valid_runs(runs) -> bool:
    return isinstance(runs, list) and all(
        isinstance(run, dict)
        and isinstance(run.get("distance"), int)
        and isinstance(run.get("duration"), int)
        for run in runs
    )


def json_object() -> dict:
    """The request's JSON object; none is ``{}``, any other JSON a 400."""
    payload = request.get_json(silent=True)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        abort(400, "the body must be a JSON object")
    return payload


def accepted(result: AsyncResult):
    location = url_for("task_status", task_id=result.id)
    response = jsonify(task=result.id, status_url=location)
    response.status_code = 202
    response.headers["Location"] = location
    return response


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)

    @app.post("/api/runners/<runner>/stats")
    def enqueue_stats(runner: str):
        payload = json_object()
        runs = payload.get("runs", sample_runs(3, runner))
        if not _valid_runs(runs):
            abort(400, "runs must be a list of objects with integer distance/duration")
        return accepted(compute_stats.delay(runner, runs))

    @app.post("/api/runners/<runner>/import")
    def enqueue_import(runner: str):
        url = json_object().get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            abort(400, "send a JSON object with the runs service url")
        return accepted(fetch_stats.delay(runner, url))

    @app.get("/api/tasks/<task_id>")
    def task_status(task_id: str):
        result = AsyncResult(task_id, app=celery_app)
        # ?wait=N: a client may wait up to N seconds (at most 30) for the end.
        wait = min(request.args.get("wait", 0, type=float), 30)
        if wait > 0 and not result.ready():
            try:
                result.get(timeout=wait, propagate=False)
            except CeleryTimeoutError:
                pass  # still running: report the state as it is
        body = {"task": task_id, "state": result.state}
        if result.successful():
            body["result"] = result.result
        elif result.failed():
            body["error"] = f"{type(result.result).__name__}: {result.result}"
        return jsonify(body)

    @app.get("/api/dead-letters")
    def list_dead_letters():
        return jsonify(dead_letters=dead_letters())

    return app


def main() -> None:
    mode = "eager, no worker" if celery_app.conf.task_always_eager else "Redis queue"
    run_app(create_app(), f"Task producer ({mode}) on http://127.0.0.1:{{port}}/api/")


if __name__ == "__main__":
    main()
