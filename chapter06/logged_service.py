"""Book: chapter 6, "Centralizing logs": the data service, logged and watched.

Chapter 4's data service with this chapter's extensions: a request id
(:mod:`.request_id`), one record per request with its extra fields
(:mod:`.request_logs`), the records on stdout as text or JSON lines
(:mod:`.json_logs`, ``LOG_FORMAT``), to a GELF receiver when ``GELF_PORT``
is set (:mod:`.gelf_logs`), errors mailed when ``ERROR_MAIL_TO`` is set
(:mod:`.error_emails`) and reported when ``SENTRY_DSN`` is
(:mod:`.error_reports`), ``/health`` and ``/ready`` (:mod:`.health`),
traced when ``OTLP_ENDPOINT`` is set (:mod:`.tracing`).

With ``PEER_URL`` set, it also plays the dashboard in front of another data
service: ``GET /dashboard/<user_id>`` asks the peer for the user and their
runs, with chapter 5's session, passing the request id on. So one request
can be followed through two processes' logs.

``python -m chapter06.logged_service`` serves on ``$PORT`` (5000), every
setting from a ``FLASK_`` environment variable (``FLASK_GELF_PORT=12201``).
"""

import os
import signal
import sys
import tempfile

import requests
from flask import Blueprint, Flask, abort, current_app

from chapter04.dataservice import create_app as create_data_service
from chapter04.dataservice.serving import database_settings

from .error_emails import ErrorEmails
from .error_reports import ErrorReports
from .gelf_logs import GelfLogs
from .health import Health
from .json_logs import ConsoleLogs
from .request_id import RequestId, RequestIdPeerSession
from .request_logs import RequestLogs
from .tracing import Tracing

peer = RequestIdPeerSession()
dashboard = Blueprint("dashboard", __name__)


def ask_peer(path: str):
    try:
        response = RequestIdPeerSession.session().get(
            current_app.config["PEER_URL"] + path
        )
    except requests.RequestException:
        abort(502, "the data service did not answer")
    if response.status_code == 404:
        abort(404, response.json().get("message", "not found"))
    if response.status_code != 200:
        abort(502, f"the data service answered {response.status_code}")
    return response.json()


@dashboard.get("/dashboard/<int:user_id>")
def user_dashboard(user_id: int):
    current_app.logger.info("dashboard of user %s", user_id)
    user = ask_peer(f"/users/{user_id}")
    runs = ask_peer(f"/users/{user_id}/runs")
    return {
        "user": user["email"],
        "runs": len(runs),
        "distance": sum(run["distance"] for run in runs),
    }


def create_app(config=None, **overrides) -> Flask:
    app = create_data_service(config, **overrides)
    try:
        app.config.setdefault("SERVICE_NAME", "data")
        RequestId(app)
        RequestLogs(app)
        ConsoleLogs(app)
        GelfLogs(app)
        ErrorEmails(app)
        ErrorReports(app)
        Health(app)
        Tracing(app)
        if app.config.get("PEER_URL"):
            peer.init_app(app)
            app.register_blueprint(dashboard)
    except Exception:
        # A refused setting (LOG_FORMAT=xml) drops the app after the data
        # service opened its database: close that connection now, not when
        # the garbage collector finds it (a ResourceWarning from Python 3.13).
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        raise
    return app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    with tempfile.TemporaryDirectory(prefix="logged-service-") as folder:
        app = create_app(**database_settings(folder))
        app.logger.info(
            "%s on http://127.0.0.1:%s/users (Ctrl-C stops it)",
            app.config["SERVICE_NAME"],
            port,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
