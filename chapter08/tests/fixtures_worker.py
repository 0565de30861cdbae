"""Chapter 8 fixtures (worker): the Strava worker's neighbours.

- a stand-in data service (``StandIn``) with just the contract's endpoints
  the worker calls, checking the worker's token and scopes, storing runs
  idempotently, and able to fail on demand;
- in-process (``worker_*`` fast fixtures): fake Strava, TokenDealer and the
  stand-in as Flask apps, reached through ``requests`` by host name
  (``WSGIRouter``), and an eager Celery app: nothing is started;
- real processes (``worker_stack``): fake Strava and TokenDealer as
  ``python -m`` servers, the stand-in on a live server, and the worker
  itself as ``python -m chapter08.stravaworker``.
"""

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
import requests_mock
from flask import Flask, abort, request

from chapter02.skeleton.errors import register_json_errors
from chapter07.tokendealer import create_app as create_dealer
from chapter07.tokendealer.clients import register
from chapter08.stravaworker import Settings, create_celery, tasks
from fakestrava import create_app as create_strava
from fakestrava.clock import ManualClock
from testkit.fixtures import server_fixture
from testkit.runnerly import dealer_settings
from testkit.servers import LiveServer, ServerProcess, answer_in_process, python_command
from testkit.waiting import wait_until

__all__ = [
    "worker_celery",
    "worker_clock",
    "worker_data",
    "worker_dealer",
    "worker_http",
    "worker_registration",
    "worker_stack",
    "worker_strava",
]

AUDIENCE = "runnerly-data"
STRAVA = "http://strava.test"
DEALER = "http://dealer.test"
DATA = "http://data.test"
REDIRECT_URI = "http://dashboard.test/authorized"
RUN_FIELDS = {
    "strava_id",
    "name",
    "distance",
    "start_date",
    "elapsed_time",
    "moving_time",
    "average_speed",
    "max_speed",
    "average_heartrate",
    "total_elevation_gain",
}
REQUIRED = RUN_FIELDS - {"average_heartrate", "total_elevation_gain"}


@dataclass
class Failure:
    """The request after ``skip`` matching ones answers ``status``, once."""

    method: str
    path_end: str
    status: int = 503
    skip: int = 0


@dataclass
class Hold:
    """The request after ``skip`` matching ones waits until ``released``,
    then fails, stored nothing: a request whose caller died meanwhile."""

    method: str
    path_end: str
    skip: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


def due(planned: list[Failure] | list[Hold]) -> Failure | Hold | None:
    """The first of ``planned`` this request sets off, taken off the list;
    each matching one lets its ``skip`` requests by first."""
    for item in planned:
        if request.method != item.method or not request.path.endswith(item.path_end):
            continue
        if item.skip:
            item.skip -= 1
            continue
        planned.remove(item)
        return item
    return None


def exactly(fields: set[str], what: str) -> dict:
    """The request's JSON body, which must have these fields, no other."""
    body = request.get_json()
    if set(body) != fields:
        abort(400, f"Wrong {what} fields.")
    return body


class StandIn:
    """The data service as far as the worker sees it (contract of chapter 08)."""

    def __init__(self, jwks: Callable[[], dict], issuer: str):
        self.jwks = jwks
        self.issuer = issuer
        self.tokens: dict[int, dict | None] = {}  # user id -> Strava tokens
        self.runs: dict[int, tuple[int, dict]] = {}  # strava id -> (user, run)
        self.sync: dict[int, dict] = {}
        self.updated: dict[int, float] = {}  # user id -> when its sync changed
        self.states: list[tuple[int, str]] = []  # every PUT of a sync state
        self.imports = 0  # import requests that stored something or not
        # The requests that get an error status instead of an answer.
        self.failures: list[Failure] = []
        # The requests that wait for the test, then fail.
        self.holds: list[Hold] = []
        self.app = self._make_app()

    def add_user(self, user_id: int, tokens: dict | None = None) -> None:
        self.tokens[user_id] = tokens
        self.sync[user_id] = {"state": "idle", "imported": 0, "message": None}
        self.updated[user_id] = time.time()

    def runs_of(self, user_id: int) -> list[dict]:
        return [run for owner, run in self.runs.values() if owner == user_id]

    def _claims(self) -> dict:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer":
            abort(401, "A bearer token is required.")
        try:
            kid = jwt.get_unverified_header(token)["kid"]
            key = jwt.PyJWKSet.from_dict(self.jwks())[kid]
            return jwt.decode(
                token, key.key, ["RS256"], audience=AUDIENCE, issuer=self.issuer
            )
        except (jwt.PyJWTError, KeyError) as error:
            abort(401, f"Invalid token: {error}")

    def _need(self, scope: str) -> None:
        if scope not in self._claims()["scope"].split():
            abort(403, f"This request needs scope {scope}.")

    def _user(self, user_id: int, needs: str) -> None:
        """A request about a user: it needs that scope, and the user."""
        self._need(needs)
        if user_id not in self.tokens:
            abort(404, "No such user.")

    def _make_app(self) -> Flask:
        app = Flask(__name__)
        register_json_errors(app)

        @app.before_request
        def fail_on_demand():
            failure = due(self.failures)
            if failure is not None:
                abort(failure.status, "Failing on purpose.")
            hold = due(self.holds)
            if hold is not None:
                hold.arrived.set()
                hold.released.wait(timeout=60)
                abort(503, "Held, then dropped.")

        @app.get("/users")
        def users():
            self._need("users:read")
            connected = request.args.get("strava_connected") == "true"
            return [
                {"id": user_id, "strava_connected": tokens is not None}
                for user_id, tokens in sorted(self.tokens.items())
                if tokens is not None or not connected
            ]

        @app.get("/users/<int:user_id>/strava-token")
        def get_token(user_id):
            self._user(user_id, needs="strava:tokens")
            if self.tokens[user_id] is None:
                abort(404, "This user has no Strava token.")
            return self.tokens[user_id]

        @app.put("/users/<int:user_id>/strava-token")
        def put_token(user_id):
            self._user(user_id, needs="strava:tokens")
            body = exactly({"access_token", "refresh_token", "expires_at"}, "token")
            self.tokens[user_id] = body
            return body

        @app.post("/users/<int:user_id>/runs/import")
        def import_runs(user_id):
            self._user(user_id, needs="runs:write")
            runs = request.get_json()["runs"]
            if not 0 < len(runs) <= 200:
                abort(400, "From 1 to 200 runs at a time.")
            for run in runs:  # all or nothing: check every run first
                if set(run) - RUN_FIELDS or REQUIRED - set(run):
                    abort(400, f"Wrong fields: {sorted(run)}.")
                owner = self.runs.get(run["strava_id"], (user_id,))[0]
                if owner != user_id:
                    abort(409, "A run of another user.")
            self.imports += 1
            created = 0
            for run in runs:
                if run["strava_id"] not in self.runs:
                    self.runs[run["strava_id"]] = (user_id, run)
                    created += 1
            return {"created": created, "existing": len(runs) - created}

        @app.get("/users/<int:user_id>/months")
        def months(user_id):
            self._user(user_id, needs="users:read")
            counts = Counter(run["start_date"][:7] for run in self.runs_of(user_id))
            return [
                {"year": int(month[:4]), "month": int(month[5:]), "runs": count}
                for month, count in sorted(counts.items(), reverse=True)
            ]

        @app.get("/users/<int:user_id>/sync")
        def get_sync(user_id):
            self._user(user_id, needs="users:read")
            return self.sync[user_id]

        @app.put("/users/<int:user_id>/sync")
        def put_sync(user_id):
            self._user(user_id, needs="sync:write")
            body = exactly({"state", "imported", "message"}, "sync")
            self.sync[user_id] = body
            self.updated[user_id] = time.time()
            self.states.append((user_id, body["state"]))
            return body

        @app.get("/syncs")
        def list_syncs():
            self._need("users:read")
            state = request.args.get("state")
            older_than = request.args.get("older_than", 0, type=int)
            return [
                {
                    "user_id": user_id,
                    **sync,
                    "updated_at": datetime.fromtimestamp(
                        self.updated[user_id], UTC
                    ).isoformat(timespec="seconds"),
                }
                for user_id, sync in sorted(self.sync.items())
                if state in (None, sync["state"])
                and time.time() - self.updated[user_id] > older_than
            ]

        return app


class WSGIRouter:
    """``requests`` to http://<host>/ answered by that host's Flask app.

    ``down`` holds hosts whose next N requests get a connection error;
    ``late``, (method, path end) of requests answered too late: the app
    runs them, the caller gets a timeout (each once).
    """

    def __init__(self, apps: dict[str, Flask]):
        self.clients = {host: app.test_client() for host, app in apps.items()}
        self.down: dict[str, int] = {}
        self.late: list[tuple[str, str]] = []
        self.requests: list[tuple[str, str, str]] = []  # (host, method, path)

    def __call__(self, sent, context) -> bytes:
        url = urlsplit(sent.url)
        self.requests.append((url.netloc, sent.method, url.path))
        if self.down.get(url.netloc):
            self.down[url.netloc] -= 1
            raise requests.ConnectionError(f"{url.netloc}: connection refused")
        answer = answer_in_process(self.clients[url.netloc], sent, context)
        for method, path_end in self.late:
            if sent.method == method and url.path.endswith(path_end):
                self.late.remove((method, path_end))
                raise requests.ReadTimeout(f"{url.netloc}: read timed out")
        return answer


def connect_in_process(strava: Flask, athlete_id: int) -> dict:
    """An athlete authorizes Runnerly at the fake Strava: their tokens."""
    fake = strava.extensions["fakestrava"]
    code = parse_qs(urlsplit(fake.authorize(REDIRECT_URI, athlete_id=athlete_id)).query)
    answer = strava.test_client().post(
        "/oauth/token",
        data={
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "grant_type": "authorization_code",
            "code": code["code"][0],
        },
    )
    return {
        key: answer.json[key] for key in ("access_token", "refresh_token", "expires_at")
    }


@pytest.fixture(scope="session")
def worker_registration():
    return register("runnerly-worker", AUDIENCE, tasks.WORKER_SCOPE)


@pytest.fixture
def worker_clock():
    # 12:07:30: Strava's 15-minute window reopens in 450 s.
    return ManualClock("2026-11-25T12:07:30+00:00")


@pytest.fixture
def worker_strava(worker_clock):
    return create_strava(
        seed=42, athletes=3, activities_per_athlete=60, clock=worker_clock
    )


@pytest.fixture
def worker_dealer(tmp_path, worker_registration):
    clients = {"runnerly-worker": worker_registration.entry}
    return create_dealer("testing", **dealer_settings(tmp_path, clients, DEALER))


@pytest.fixture
def worker_data(worker_dealer):
    client = worker_dealer.test_client()
    return StandIn(lambda: client.get("/.well-known/jwks.json").json, DEALER)


@pytest.fixture
def worker_http(worker_strava, worker_dealer, worker_data):
    router = WSGIRouter(
        {
            "strava.test": worker_strava,
            "dealer.test": worker_dealer,
            "data.test": worker_data.app,
        }
    )
    with requests_mock.Mocker() as mocker:
        mocker.register_uri(requests_mock.ANY, requests_mock.ANY, content=router)
        yield router


@pytest.fixture
def worker_celery(worker_http, worker_registration, worker_clock, monkeypatch):
    """The worker's app, eager: tasks run in the test, retries at once."""
    settings = Settings(
        data_service_url=DATA,
        token_issuer=DEALER,
        client_secret=worker_registration.secret,
        strava_base_url=STRAVA,
        per_page=20,  # several pages of the fake's 60 activities
        max_retries=3,
        retry_backoff=0.0,
    )
    app = create_celery(
        settings,
        broker_url="memory://",
        # A retry is an exception that apply() catches to run the task
        # again: it must not propagate. run() below raises what fails.
        task_always_eager=True,
    )
    monkeypatch.setattr(tasks, "now", worker_clock)
    yield app
    app.close_clients()
    app.close()


# Real processes ------------------------------------------------------------


@dataclass
class Stack:
    strava: ServerProcess
    dealer: ServerProcess
    data_server: LiveServer
    data: StandIn
    secret: str
    workers: list[ServerProcess] = field(default_factory=list)

    def connect(self, user_id: int, athlete_id: int, expired: bool = False) -> dict:
        """The athlete authorizes Runnerly over HTTP; the stand-in keeps it."""
        redirect = requests.post(
            self.strava.url + "/oauth/authorize",
            data={
                "client_id": "1234",
                "response_type": "code",
                "redirect_uri": REDIRECT_URI,
                "scope": "read,activity:read",
                "athlete_id": athlete_id,
                "decision": "authorize",
            },
            allow_redirects=False,
            timeout=10,
        ).headers["Location"]
        code = parse_qs(urlsplit(redirect).query)["code"][0]
        answer = requests.post(
            self.strava.url + "/oauth/token",
            data={
                "client_id": "1234",
                "client_secret": "fake-secret",
                "grant_type": "authorization_code",
                "code": code,
            },
            timeout=10,
        ).json()
        tokens = {k: answer[k] for k in ("access_token", "refresh_token", "expires_at")}
        if expired:  # the worker must refresh it first
            tokens["expires_at"] = int(time.time()) - 10
        self.data.add_user(user_id, tokens)
        return tokens

    def strava_run_ids(self, user_id: int) -> set[int]:
        """The runs Strava lists for a user, with the token the worker stored."""
        activities = requests.get(
            f"{self.strava.url}/api/v3/athlete/activities",
            params={"per_page": 200},
            headers={
                "Authorization": "Bearer " + self.data.tokens[user_id]["access_token"]
            },
            timeout=10,
        ).json()
        return {activity["id"] for activity in activities if activity["type"] == "Run"}

    def worker_env(self, queue_dir: Path, broker_url: str | None = None, **extra):
        env = {
            "DATA_SERVICE_URL": self.data_server.url,
            "TOKEN_ISSUER": self.dealer.url,
            "WORKER_CLIENT_ID": "runnerly-worker",
            "WORKER_CLIENT_SECRET": self.secret,
            "STRAVA_BASE_URL": self.strava.url,
            "STRAVA_CLIENT_ID": "1234",
            "STRAVA_CLIENT_SECRET": "fake-secret",
            "RUNNERLY_QUEUE_DIR": str(queue_dir),
            "CELERY_BROKER_URL": broker_url or "",
            **extra,
        }
        return env

    def start_worker(self, env: dict) -> ServerProcess:
        worker = ServerProcess(python_command("-m", "chapter08.stravaworker"), env=env)
        worker.launch()  # a worker listens on no port: nothing to wait for
        self.workers.append(worker)
        return worker

    def wait_for(self, condition: Callable[[], bool], worker: ServerProcess) -> None:
        """Until ``condition()`` (60 s at most), the worker still running."""

        def met() -> bool:
            if condition():
                return True
            assert worker.process.poll() is None, worker.output()
            return False

        wait_until(met, timeout=60, what=worker.output)


@server_fixture
def worker_stack(tmp_path, worker_registration):
    """Fake Strava and TokenDealer as processes, the stand-in on a live server."""
    keys = tmp_path / "dealer"
    strava = ServerProcess(python_command("-m", "fakestrava")).start()
    dealer = None
    data_server = None
    try:
        dealer = ServerProcess(
            python_command("-m", "chapter07.tokendealer"),
            env={
                "FLASK_KEY_DIR": str(keys / "keys"),
                "FLASK_CLIENTS_FILE": str(keys / "clients.json"),
                "FLASK_CLIENTS": json.dumps(
                    {"runnerly-worker": worker_registration.entry}
                ),
            },
        ).start()
        jwks_url = dealer.url + "/.well-known/jwks.json"
        data = StandIn(lambda: requests.get(jwks_url, timeout=10).json(), dealer.url)
        data_server = LiveServer(data.app).start()
        stack = Stack(strava, dealer, data_server, data, worker_registration.secret)
        yield stack
        for worker in stack.workers:
            worker.stop()
    finally:
        if data_server is not None:
            data_server.stop()
        if dealer is not None:
            dealer.stop()
        strava.stop()
