"""Book: chapter 5, 'Synchronous calls' > 'Improving data transfer' > 'GZIP'.

Both directions are compressed:

- responses: gzipped when the client says ``Accept-Encoding: gzip`` and the
  body is large enough to gain from it (requests sends that header and
  decompresses for you);
- requests: a client may send ``Content-Encoding: gzip`` bodies, which the
  service inflates (in a WSGI middleware) before Flask parses the JSON. A body
  that is not valid gzip is a 400, an encoding it does not know a 415, both in
  JSON.

``python -m chapter05.compression`` serves ``GET /api/runs`` (a list) and
``POST /api/runs`` (counts what it received).
"""

import gzip
import io
import json
import zlib

import requests
from flask import Flask, Response, abort, jsonify, request
from werkzeug.wsgi import get_input_stream

from chapter02.skeleton.errors import register_json_errors
from chapter02.skeleton.serving import run_app

from .runs import sample_runs

# Under a few hundred bytes, gzip's header and CPU cost outweigh the gain.
MIN_SIZE = 500
# A small gzip body can inflate to gigabytes (a "zip bomb"): cap it.
MAX_INFLATED = 10 * 1024 * 1024


class InvalidBody(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def inflate(body: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # gzip framing
    try:
        data = inflater.decompress(body, MAX_INFLATED)
    except zlib.error:
        raise InvalidBody(400, "the body is not valid gzip") from None
    if inflater.unconsumed_tail:
        raise InvalidBody(413, f"the body inflates to over {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise InvalidBody(400, "the gzip body is truncated")
    return data


class GunzipRequests:
    """WSGI middleware: the app behind it only ever sees plain bodies.

    Done before Flask builds its request, so ``request.get_json()`` and form
    parsing work unchanged in every view.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        encoding = environ.get("HTTP_CONTENT_ENCODING", "identity").lower()
        try:
            if encoding == "gzip":
                # get_input_stream honours Content-Length and chunked bodies.
                body = inflate(get_input_stream(environ).read())
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                environ.pop("wsgi.input_terminated", None)
                del environ["HTTP_CONTENT_ENCODING"]
            elif encoding != "identity":
                raise InvalidBody(415, f"unsupported Content-Encoding {encoding!r}")
        except InvalidBody as error:
            # Before Flask: the same JSON shape its error handlers write.
            body = {"message": str(error), "status": error.status}
            response = Response(
                json.dumps(body, separators=(",", ":")) + "\n",
                status=error.status,
                mimetype="application/json",
            )
            return response(environ, start_response)
        return self.app(environ, start_response)


def create_app() -> Flask:
    app = Flask(__name__)
    register_json_errors(app)
    app.wsgi_app = GunzipRequests(app.wsgi_app)

    @app.after_request
    def compress_body(response):
        if (
            "gzip" not in request.accept_encodings
            or response.direct_passthrough
            or "Content-Encoding" in response.headers
            or len(response.get_data()) < MIN_SIZE
        ):
            return response
        response.set_data(gzip.compress(response.get_data()))
        response.headers["Content-Encoding"] = "gzip"
        # Caches must keep the gzipped and plain copies apart.
        response.vary.add("Accept-Encoding")
        return response

    @app.get("/api/runs")
    def list_runs():
        count = request.args.get("count", 50, type=int)
        return jsonify(runs=sample_runs(max(0, min(count, 10000))))

    @app.post("/api/runs")
    def receive_runs():
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("runs"), list):
            abort(400, 'send a JSON object {"runs": [...]}')
        return jsonify(received=len(payload["runs"]))

    return app


def post_gzipped(session: requests.Session, url: str, data) -> requests.Response:
    """POST ``data`` as gzipped JSON: the client side of the same idea."""
    body = gzip.compress(json.dumps(data).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return session.post(url, data=body, headers=headers)


def main() -> None:
    run_app(create_app(), "Gzip runs service on http://127.0.0.1:{port}/api/runs")


if __name__ == "__main__":
    main()
