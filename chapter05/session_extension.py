"""Book: chapter 5, 'Synchronous calls' > 'Using Session in a Flask app'.

One ``requests.Session`` per application, shared by every view, as a Flask
extension: it keeps connections to the peer services open between calls
(connection pooling), sends the same headers every time, never waits forever
(a default timeout on every call), and retries what is safe to retry.

``python -m chapter05.session_extension`` serves a dashboard at
``/api/runners/<runner>/stats`` that calls a runs service over HTTP. So that
one command is enough, the runs service is mounted in the same process under
``/peer``, and ``PEER_URL`` points back at it; set ``PEER_URL`` to use
another one.
"""

import os

import requests
from flask import Blueprint, Flask, abort, current_app, jsonify
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from chapter02.skeleton.errors import register_json_errors

from .runs import runner_stats, sample_runs

# Only methods that do the same thing when repeated may be retried blindly:
# a POST retried after a lost answer could create a run twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

DEFAULTS = {
    "PEER_TIMEOUT": 5.0,  # seconds, for connecting and for each read
    "PEER_POOL_CONNECTIONS": 10,  # hosts whose pools are kept
    "PEER_POOL_MAXSIZE": 10,  # open connections kept per host
    "PEER_RETRIES": 3,
    "PEER_BACKOFF": 0.1,  # sleeps 0.1 s, 0.2 s, 0.4 s... between retries
    "PEER_HEADERS": {},
}


class TimeoutSession(requests.Session):
    """A Session whose calls all time out unless told otherwise.

    requests has no default timeout: without one, a peer that accepts the
    connection and never answers blocks the calling worker for good.
    """

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


class PeerSession:
    """The Flask extension: ``PeerSession(app)`` or ``init_app`` later."""

    name = "peer_session"

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        app.extensions[self.name] = self.build_session(app.config)

    @staticmethod
    def build_session(config) -> TimeoutSession:
        session = TimeoutSession(config["PEER_TIMEOUT"])
        session.headers.update(
            {"Accept": "application/json", "User-Agent": "runnerly-dashboard/1.0"}
        )
        session.headers.update(config["PEER_HEADERS"])
        retry = Retry(
            total=config["PEER_RETRIES"],
            backoff_factor=config["PEER_BACKOFF"],
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=(502, 503, 504),
            # After the last retry, hand back the 503 itself rather than an
            # exception, so the caller can read the peer's error body.
            raise_on_status=False,
        )
        adapter = HTTPAdapter(
            pool_connections=config["PEER_POOL_CONNECTIONS"],
            pool_maxsize=config["PEER_POOL_MAXSIZE"],
            max_retries=retry,
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    @classmethod
    def session(cls, app: Flask | None = None) -> TimeoutSession:
        """The session of ``app``, or of the current app."""
        return (app or current_app).extensions[cls.name]


peer = PeerSession()

dashboard = Blueprint("dashboard", __name__)


@dashboard.get("/api/runners/<runner>/stats")
def stats(runner: str):
    url = f"{current_app.config['PEER_URL']}/runs/{runner}"
    try:
        response = PeerSession.session().get(url)
    except requests.RequestException:
        # The peer is down or too slow: say so, instead of a 500.
        abort(502, "the runs service did not answer")
    if response.status_code == 404:
        abort(404, f"no runner {runner!r}")
    if response.status_code != 200:
        abort(502, f"the runs service answered {response.status_code}")
    return jsonify(runner=runner, **runner_stats(response.json()["runs"]))


# The peer: a runs service, as another team would run it.
runs_service = Blueprint("runs_service", __name__)
RUNNERS = {"tarek": 3, "sarah": 5}


@runs_service.get("/runs/<runner>")
def runs(runner: str):
    if runner not in RUNNERS:
        abort(404, f"no runner {runner!r}")
    return jsonify(runs=sample_runs(RUNNERS[runner], runner))


def create_app(**config) -> Flask:
    app = Flask(__name__)
    app.config["PEER_URL"] = "http://127.0.0.1:5000/peer"
    app.config.update(config)
    peer.init_app(app)
    register_json_errors(app)
    app.register_blueprint(dashboard)
    app.register_blueprint(runs_service, url_prefix="/peer")
    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    app = create_app(
        PEER_URL=os.environ.get("PEER_URL", f"http://127.0.0.1:{port}/peer")
    )
    print(f"Dashboard on http://127.0.0.1:{port}/api/runners/tarek/stats", flush=True)
    # threaded: the dashboard calls the peer in the same process
    app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
