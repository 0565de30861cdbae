"""Chapter 8 fixtures (dashboard): stand-ins for the services it calls.

The dashboard is tested against the real fake Strava (``fakestrava``) and
against small stand-ins of TokenDealer and the data service that implement
just what the dashboard calls, with their state in one object the tests
read and change (``DashStandIn``): who got which token, the runners, their
runs, the sync state. Two ways to reach them:

- ``dash_wired``: no server at all. ``requests_mock`` hands every request
  the dashboard's server makes to ``http://strava.test``, ``dealer.test``
  or ``data.test`` to the matching Flask app in-process; Flask's test
  client plays the browser.
- ``dash_live``: each app on its own port (threads), for Chromium. The data
  service can be stopped and started again on the same port.
"""

import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import requests_mock
from flask import Flask, abort, jsonify, request
from flask_cors import CORS

from chapter02.skeleton.errors import register_json_errors
from chapter08.dashboard import create_app
from fakestrava import FakeStrava
from fakestrava import create_app as create_fake_strava
from testkit.browser import chromium_page
from testkit.fixtures import server_fixture
from testkit.ports import free_port
from testkit.servers import LiveServer, answer_in_process

DASH_CLIENT_ID = "runnerly-dashboard"
DASH_CLIENT_SECRET = "dashboard-test-secret"
DASH_SERVICE_SCOPE = "users:write strava:tokens sync:write runs:read"


@dataclass
class DashStandIn:
    """What the stand-in TokenDealer and data service know, shared."""

    runner_token_lifetime: int = 300
    tokens: dict[str, dict] = field(default_factory=dict)
    users: dict[int, dict] = field(default_factory=dict)
    strava_tokens: dict[int, dict] = field(default_factory=dict)
    runs: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))
    sync: dict[int, dict] = field(default_factory=dict)
    # (method, path, token kind) of every data-service call, for assertions.
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    runner_tokens_issued: int = 0

    def add_run(
        self,
        user_id: int,
        start_date: str,
        distance: float,
        moving: int,
        name: str | None = None,
        elapsed: int | None = None,
    ):
        run = {
            "id": sum(len(runs) for runs in self.runs.values()) + 1,
            "user_id": user_id,
            "strava_id": None,
            "name": name or f"Run of {start_date[:10]}",
            "distance": distance,
            "start_date": start_date,
            "moving_time": moving,
            "elapsed_time": moving + 60 if elapsed is None else elapsed,
        }
        self.runs[user_id].append(run)
        return run

    def months(self, user_id: int) -> list[dict]:
        """The contract's ``GET /users/{id}/months``, newest first."""
        months: dict[tuple[int, int], dict] = {}
        for run in self.runs[user_id]:
            key = (int(run["start_date"][:4]), int(run["start_date"][5:7]))
            month = months.setdefault(
                key,
                {
                    "year": key[0],
                    "month": key[1],
                    "runs": 0,
                    "distance": 0.0,
                    "moving_time": 0,
                    "elapsed_time": 0,
                },
            )
            month["runs"] += 1
            month["distance"] += run["distance"]
            month["moving_time"] += run["moving_time"]
            month["elapsed_time"] += run["elapsed_time"]
        return [months[key] for key in sorted(months, reverse=True)]


def dash_stand_in_dealer(state: DashStandIn) -> Flask:
    """TokenDealer's two grants, with opaque tokens the data service looks up."""
    app = Flask("dash_stand_in_dealer")

    @app.post("/oauth/token")
    def token():
        auth = request.authorization
        if (
            auth is None
            or auth.username != DASH_CLIENT_ID
            or auth.password != DASH_CLIENT_SECRET
        ):
            return jsonify(error="invalid_client"), 401
        grant = request.form.get("grant_type")
        value = secrets.token_urlsafe(16)
        if grant == "client_credentials":
            claims = {"client_id": auth.username, "scope": DASH_SERVICE_SCOPE}
            lifetime = 3600
        elif grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            if request.form.get("subject_token_type") != (
                "urn:runnerly:token-type:runner-id"
            ):
                return jsonify(error="invalid_request"), 400
            claims = {
                "client_id": auth.username,
                "runner_id": int(request.form["subject_token"]),
                "scope": request.form.get("scope", "runs:read"),
            }
            lifetime = state.runner_token_lifetime
            state.runner_tokens_issued += 1
        else:
            return jsonify(error="unsupported_grant_type"), 400
        state.tokens[value] = {**claims, "exp": time.time() + lifetime}
        return jsonify(
            access_token=value,
            token_type="Bearer",
            expires_in=lifetime,
            scope=claims["scope"],
        )

    return app


def dash_stand_in_data(state: DashStandIn, cors_origins: list[str]) -> Flask:
    """The data service operations the dashboard and its page call."""
    app = Flask("dash_stand_in_data")
    register_json_errors(app)
    CORS(app, origins=cors_origins, methods=["GET"], allow_headers=["Authorization"])

    def caller(user_id: int, scope: str) -> dict:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        claims = state.tokens.get(value) if scheme == "Bearer" else None
        if claims is None or claims["exp"] < time.time():
            abort(401, "A valid bearer token is needed.")
        runner = claims.get("runner_id")
        kind = "service" if runner is None else "runner"
        state.calls.append((request.method, request.full_path.rstrip("?"), kind))
        if runner is not None and (runner != user_id or request.method != "GET"):
            abort(403, "This token reads another runner's data only.")
        if scope not in claims["scope"].split():
            abort(403, f"This operation needs the scope {scope}.")
        return claims

    @app.put("/users/strava/<int:athlete_id>")
    def upsert(athlete_id):
        caller(0, "users:write")
        body = request.get_json()
        found = [
            u for u in state.users.values() if u["strava_athlete_id"] == athlete_id
        ]
        status = 200 if found else 201
        user = found[0] if found else {"id": len(state.users) + 1}
        user.update(
            firstname=body["firstname"],
            lastname=body["lastname"],
            strava_athlete_id=athlete_id,
        )
        state.users[user["id"]] = user
        state.strava_tokens[user["id"]] = {
            key: body[key]
            for key in ("strava_access_token", "strava_refresh_token")
            + ("strava_expires_at",)
        }
        return jsonify(user), status

    @app.get("/users/<int:user_id>/months")
    def months(user_id):
        caller(user_id, "runs:read")
        return jsonify(state.months(user_id))

    @app.get("/users/<int:user_id>/runs")
    def runs(user_id):
        caller(user_id, "runs:read")
        year, month = request.args.get("year", type=int), request.args.get("month")
        found = [
            run
            for run in state.runs[user_id]
            if year is None
            or (
                datetime.fromisoformat(run["start_date"]).year == year
                and datetime.fromisoformat(run["start_date"]).month == int(month)
            )
        ]
        return jsonify(sorted(found, key=lambda run: run["start_date"], reverse=True))

    @app.get("/users/<int:user_id>/sync")
    def get_sync(user_id):
        caller(user_id, "runs:read")
        idle = {"state": "idle", "imported": 0, "message": None, "updated_at": None}
        return jsonify(state.sync.get(user_id, idle))

    @app.put("/users/<int:user_id>/sync")
    def put_sync(user_id):
        caller(user_id, "sync:write")
        state.sync[user_id] = {**request.get_json(), "updated_at": "2026-11-25T12:00Z"}
        return jsonify(state.sync[user_id])

    return app


def dash_fake_strava() -> Flask:
    return create_fake_strava(seed=8, client_id="1234", client_secret="fake-secret")


def dash_settings(strava: str, dealer: str, data: str, queue_dir) -> dict:
    return {
        "STRAVA_BASE_URL": strava,
        "STRAVA_CLIENT_ID": "1234",
        "STRAVA_CLIENT_SECRET": "fake-secret",
        "TOKEN_ISSUER": dealer,
        "CLIENT_ID": DASH_CLIENT_ID,
        "CLIENT_SECRET": DASH_CLIENT_SECRET,
        "DATA_SERVICE_URL": data,
        "QUEUE_DIR": str(queue_dir),
        "SERVICE_TIMEOUT": 2.0,
    }


@dataclass
class DashWired:
    """The dashboard and the apps behind it, joined without a socket."""

    app: Flask
    strava: Flask
    state: DashStandIn
    down: set[str]

    @property
    def client(self):
        return self.app.test_client()


def dash_forward(apps: dict[str, Flask], down: set[str]):
    """A requests_mock callback: the request, to the app of its host."""

    def forward(request, context):
        host = urlsplit(request.url).hostname
        if host in down:
            raise requests.exceptions.ConnectionError(f"{host}: connection refused")
        return answer_in_process(apps[host].test_client(), request, context)

    return forward


@pytest.fixture
def dash_wired(tmp_path):
    state = DashStandIn()
    strava = dash_fake_strava()
    apps = {
        "strava.test": strava,
        "dealer.test": dash_stand_in_dealer(state),
        "data.test": dash_stand_in_data(state, ["http://localhost"]),
    }
    down: set[str] = set()
    settings = dash_settings(
        "http://strava.test",
        "http://dealer.test",
        "http://data.test",
        tmp_path / "queue",
    )
    app = create_app("testing", **settings)
    with requests_mock.Mocker() as mocker:
        for host in apps:
            mocker.register_uri(
                requests_mock.ANY,
                re.compile(rf"^http://{re.escape(host)}/"),
                content=dash_forward(apps, down),
            )
        yield DashWired(app=app, strava=strava, state=state, down=down)


def dash_authorize(strava: Flask, authorize_url: str, **form) -> str:
    """Click Authorize on the fake Strava's page; where it sends the browser."""
    fields = {**dict(parse_qsl(urlsplit(authorize_url).query)), **form}
    answer = strava.test_client().post("/oauth/authorize", data=fields)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def dash_log_in(wired: DashWired, client, athlete_id: int = 1, **form):
    """The whole Strava login with ``client`` (the browser); the last answer.
    ``form``: what the runner does on Strava's page instead (``decision``,
    ``scope``, a forged ``state``)."""
    start = client.get("/login")
    back = dash_authorize(
        wired.strava, start.headers["Location"], athlete_id=athlete_id, **form
    )
    return client.get(back.removeprefix("http://localhost"))


@dataclass
class DashLive:
    """Every app on a port of its own, for a real browser."""

    url: str
    strava_url: str
    state: DashStandIn
    data_server: LiveServer
    data_app: Flask
    dashboard: Flask  # its config may change between pages
    strava: FakeStrava  # the fake Strava's state: its athletes, their activities

    def stop_data(self) -> None:
        self.data_server.stop()

    def start_data(self) -> None:
        # The same port: the page keeps the URL it was given.
        self.data_server = LiveServer(self.data_app, port=self.data_server.port)
        self.data_server.start()


@server_fixture
def dash_live(tmp_path):
    state = DashStandIn()
    ports = {name: free_port() for name in ("strava", "dealer", "data", "dashboard")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    data_app = dash_stand_in_data(state, [urls["dashboard"]])
    dashboard = create_app(
        "testing",
        **dash_settings(urls["strava"], urls["dealer"], urls["data"], tmp_path / "q"),
    )
    strava = dash_fake_strava()
    servers = [
        LiveServer(strava, port=ports["strava"]),
        LiveServer(dash_stand_in_dealer(state), port=ports["dealer"]),
        LiveServer(dashboard, port=ports["dashboard"]),
    ]
    for server in servers:
        server.start()
    live = DashLive(
        url=urls["dashboard"],
        strava_url=urls["strava"],
        state=state,
        data_server=LiveServer(data_app, port=ports["data"]).start(),
        data_app=data_app,
        dashboard=dashboard,
        strava=strava.extensions["fakestrava"],
    )
    yield live
    for server in [*servers, live.data_server]:
        server.stop()


def strava_runs(fake: FakeStrava, athlete_id: int) -> list[dict]:
    """The activities a sync imports: runs, less the private ones, which
    Strava hides from a token with ``activity:read`` (the dashboard's)."""
    return [
        activity
        for activity in fake.activities(athlete_id)
        if activity["type"] == "Run" and not activity["private"]
    ]


@pytest.fixture
def dash_live_synced(dash_live) -> DashLive:
    """``dash_live`` where runner 1, the first to log in (as the fake's first
    athlete, whom its page proposes), has that athlete's runs, as a sync
    would have imported them: months of them, each with its own pace."""
    athlete = dash_live.strava.athlete_ids()[0]
    for activity in strava_runs(dash_live.strava, athlete):
        dash_live.state.add_run(
            1,
            activity["start_date"],
            activity["distance"],
            activity["moving_time"],
            name=activity["name"],
            elapsed=activity["elapsed_time"],
        )
    return dash_live


def dash_browser_log_in(page, live: DashLive) -> None:
    """Log in as a runner would in Chromium: the dashboard's link, then
    Authorize on the fake Strava's page (its first athlete)."""
    from playwright.sync_api import expect  # only browser tests need Playwright

    page.goto(f"{live.url}/")
    page.get_by_role("link", name="Log in with Strava").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live.strava_url}/oauth/")))
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(f"{live.url}/")
    expect(page.get_by_text("Logged in as")).to_be_visible()


@pytest.fixture
def page():
    """A page in a new headless Chromium, closed after the test (the tests
    at several widths have their own)."""
    with chromium_page() as page:
        yield page
