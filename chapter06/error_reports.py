"""Ours, beyond the book: unhandled errors reported with sentry-sdk.

Where the book mails tracebacks, today's services report them to an error
tracker: Sentry (or any service speaking its protocol) groups them, counts
them, keeps each one's context. sentry-sdk's Flask integration reports each
unhandled exception with its request; this extension adds the request id
and the user id as tags, so the report leads to the logs of that request.

Settings: ``SENTRY_DSN`` (none: nothing is reported, nothing is set up),
``SENTRY_ENVIRONMENT`` (the ``FLASK_CONFIG`` name). sentry-sdk is set up
once per process (``sentry_sdk.init``), not per app: one service, one
process.
"""

import os

import sentry_sdk
from flask import Flask, g, request
from sentry_sdk.integrations.flask import FlaskIntegration

from .request_id import current_request_id


class ErrorReports:
    """The Flask extension: ``ErrorReports(app)`` or ``init_app`` later."""

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("SENTRY_DSN", None)
        app.config.setdefault(
            "SENTRY_ENVIRONMENT", os.environ.get("FLASK_CONFIG", "development")
        )
        if not app.config["SENTRY_DSN"]:
            return
        sentry_sdk.init(
            dsn=app.config["SENTRY_DSN"],
            environment=app.config["SENTRY_ENVIRONMENT"],
            integrations=[FlaskIntegration()],
            # Errors only: no performance tracing (OpenTelemetry does that).
            traces_sample_rate=None,
            # Neither send_default_pii (deprecated) nor data_collection: the
            # default sends no cookies and no user IP address.
        )
        app.before_request(tag_the_request)


def tag_the_request() -> None:
    # The Flask integration gives each request a scope of its own.
    sentry_sdk.set_tag("request_id", current_request_id())
    user_id = g.get("user_id", (request.view_args or {}).get("user_id"))
    if user_id is not None:
        sentry_sdk.set_user({"id": str(user_id)})
