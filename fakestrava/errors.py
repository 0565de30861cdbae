"""Strava's error shape, the ``Fault``, for every failure of the fake.

Strava answers errors with ``{"message": ..., "errors": [{"resource": ...,
"field": ..., "code": ...}]}``, never with an HTML page; a client written
against the fake sees the same bodies it will see from the real API.
"""

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

# Strava's messages for the statuses it answers with.
MESSAGES = {
    400: "Bad Request",
    401: "Authorization Error",
    403: "Forbidden",
    404: "Record Not Found",
    405: "Method Not Allowed",
    429: "Rate Limit Exceeded",
    500: "Internal Server Error",
}


class Fault(HTTPException):
    """An HTTP error that answers a Strava Fault: ``raise Fault(401, ...)``."""

    def __init__(self, status: int, resource: str, field: str, code: str = "invalid"):
        super().__init__(MESSAGES.get(status))
        self.code = status
        self.errors = [{"resource": resource, "field": field, "code": code}]


def bad_request(resource: str, field: str, code: str = "invalid") -> Fault:
    return Fault(400, resource, field, code)


def unauthorized(resource: str = "Athlete", field: str = "access_token") -> Fault:
    return Fault(401, resource, field)


def fault_response(error: HTTPException):
    if isinstance(error, Fault):
        errors = error.errors
    else:
        # Werkzeug's own errors (no route, wrong method, ...) in Strava's words.
        field = {404: "path", 405: "method"}.get(error.code, "request")
        errors = [{"resource": "resource", "field": field, "code": "invalid"}]
    message = MESSAGES.get(error.code, error.name)
    response = jsonify(message=message, errors=errors)
    response.status_code = error.code
    # Keep the headers an error carries, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def unexpected_error(error: Exception):
    # A bug in the fake is still JSON; the traceback goes to the log only.
    response = jsonify(message=MESSAGES[500], errors=[])
    response.status_code = 500
    return response


class ShallowJSON(DefaultJSONProvider):
    """Flask's JSON, except that a body nested past Python's recursion limit
    (``[[[[...]]]]``, a few KB) is invalid JSON, as Strava would say, rather
    than a RecursionError that ``request.get_json`` lets through.
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def register_faults(app: Flask) -> None:
    """Every error a Fault; bad JSON bodies of any shape end as a 400."""
    app.register_error_handler(HTTPException, fault_response)
    app.register_error_handler(Exception, unexpected_error)
    app.json = ShallowJSON(app)
