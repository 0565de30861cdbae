"""JSON errors for every status (book: chapter 2, "Error handling and debugging").

An API client reads JSON; Flask's default error pages are HTML. One handler
for ``HTTPException`` answers ``{"status": code, "message": text}`` for every
HTTP error: 404 and 405 from routing, ``abort(...)`` in a view, and 500.

An unexpected exception needs no handler of its own: Flask sends the
``got_request_exception`` signal, logs the traceback (it never reaches the
client), and turns the exception into an ``InternalServerError``, which this
handler answers. In debug mode, and in tests (``TESTING``), Flask lets the
exception through instead, to the debugger or to the test that caused it.
"""

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deep is bad JSON, not a crash.

    Python's parser recurses: ``[[[[...]]]]`` a few thousand levels deep
    raises RecursionError, which ``request.get_json`` does not catch (it
    catches ValueError), so a 2 KB body would be a 500.
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def error_response(error: HTTPException):
    response = jsonify(status=error.code, message=error.description)
    response.status_code = error.code
    # Keep headers the error carries, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_json_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)
    # Malformed bodies of any shape end as a JSON 400, none as a 500.
    app.json = JSONProvider(app)
