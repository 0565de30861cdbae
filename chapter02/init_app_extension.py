"""A Flask extension with the ``init_app`` pattern (book: chapter 2, "Extensions").

An extension is an object that hooks into an app: here, one that gives every
request an id (taken from the caller's ``X-Request-ID`` header, or made up) and
sends it back, so a request can be followed across services and logs. Created
without an app and bound later with ``init_app``, one extension object serves
every app an application factory builds; its state per app lives in
``app.extensions``, never on the extension object.

Run it: ``flask --app chapter02.init_app_extension run``
"""

import uuid

from flask import Flask, current_app, g, request

from chapter02.skeleton.errors import register_json_errors


class RequestId:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("REQUEST_ID_HEADER", "X-Request-ID")
        app.extensions["request_id"] = self
        app.before_request(self._read)
        app.after_request(self._send)

    @staticmethod
    def _read() -> None:
        header = current_app.config["REQUEST_ID_HEADER"]
        g.request_id = request.headers.get(header) or uuid.uuid4().hex

    @staticmethod
    def _send(response):
        if "request_id" in g:  # absent if a before_request handler failed first
            response.headers[current_app.config["REQUEST_ID_HEADER"]] = g.request_id
        return response


request_id = RequestId()


def create_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    register_json_errors(app)
    request_id.init_app(app)

    @app.get("/api/")
    def index():
        return {"request_id": g.request_id}

    return app


app = create_app()
