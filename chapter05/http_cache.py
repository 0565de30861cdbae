"""Book: chapter 5, 'Synchronous calls' > 'HTTP cache headers'.

The service labels its runs list with an ``ETag`` (a hash of the body) and a
``Last-Modified`` date. A client that kept a copy sends them back as
``If-None-Match`` / ``If-Modified-Since``; while the list is unchanged the
service answers ``304 Not Modified`` with no body, and the client reuses its
copy: one round trip, no payload, no JSON decoding.

``python -m chapter05.http_cache`` serves ``/api/runs`` (GET, and POST to add
a run, which changes the ETag).
"""

import hashlib
import json
import threading
from datetime import UTC, datetime

import requests
from flask import Flask, Response, abort, jsonify, request
from werkzeug.http import is_resource_modified

from chapter02.skeleton.errors import register_json_errors
from chapter02.skeleton.serving import run_app

from .runs import sample_runs


class RunStore:
    """The runs, their ETag, and when they last changed.

    The ETag is computed once per change, not per request: a revalidation
    then costs a comparison, not building and hashing the whole body.
    """

    def __init__(self, runs: list[dict]):
        self._lock = threading.Lock()
        self.runs = list(runs)
        self._changed()

    def _changed(self) -> None:
        body = json.dumps(self.runs, sort_keys=True).encode()
        self.etag = hashlib.sha256(body).hexdigest()[:32]
        # HTTP dates have one-second resolution.
        self.modified = datetime.now(UTC).replace(microsecond=0)

    def add(self, run: dict) -> dict:
        with self._lock:
            run = {**run, "id": len(self.runs) + 1}
            self.runs.append(run)
            self._changed()
        return run


def create_app(runs: list[dict] | None = None) -> Flask:
    app = Flask(__name__)
    register_json_errors(app)
    store = RunStore(sample_runs(5) if runs is None else runs)
    app.extensions["runs"] = store

    @app.get("/api/runs")
    def list_runs():
        # If-None-Match wins over If-Modified-Since when both are sent.
        if is_resource_modified(
            request.environ, etag=store.etag, last_modified=store.modified
        ):
            response = jsonify(runs=store.runs)
        else:
            response = Response(status=304)  # no body: the client has it
        response.set_etag(store.etag)
        response.last_modified = store.modified
        # Clients may keep a copy, but must revalidate before each reuse.
        response.cache_control.no_cache = True
        return response

    @app.post("/api/runs")
    def add_run():
        run = request.get_json(silent=True)
        if not isinstance(run, dict) or not all(
            isinstance(run.get(key), int) for key in ("distance", "duration")
        ):
            abort(400, "send a JSON object with integer distance and duration")
        return jsonify(store.add(run)), 201

    return app


class CachingClient:
    """GETs JSON through a session, revalidating a cached copy per URL."""

    def __init__(self, session: requests.Session | None = None):
        self.session = session or requests.Session()
        self.cache: dict[str, tuple[dict, dict[str, str]]] = {}
        self.revalidated = 0  # how many 304s saved a download

    def get(self, url: str):
        headers = {}
        cached = self.cache.get(url)
        if cached is not None:
            headers = cached[1]
        response = self.session.get(url, headers=headers, timeout=10)
        if response.status_code == 304 and cached is not None:
            self.revalidated += 1
            return cached[0]
        response.raise_for_status()
        data = response.json()
        validators = {}
        if "ETag" in response.headers:
            validators["If-None-Match"] = response.headers["ETag"]
        if "Last-Modified" in response.headers:
            validators["If-Modified-Since"] = response.headers["Last-Modified"]
        if validators:
            self.cache[url] = (data, validators)
        return data


def show_revalidation(url: str) -> None:
    """GET, GET again, add a run, GET: what a CachingClient downloads each time.

    The README runs it against ``python -m chapter05.http_cache``.
    """
    client = CachingClient()

    def get() -> None:
        before = client.revalidated
        runs = client.get(url)["runs"]
        how = (
            "304, from the cache" if client.revalidated > before else "200, downloaded"
        )
        print(f"GET:  {len(runs)} runs ({how})")

    get()
    get()
    added = client.session.post(
        url, json={"distance": 4200, "duration": 1300}, timeout=10
    )
    print(f"POST: run {added.json()['id']} added ({added.status_code})")
    get()


def main() -> None:
    run_app(create_app(), "Runs service on http://127.0.0.1:{port}/api/runs")


if __name__ == "__main__":
    main()
