"""JSON errors for every status (book: "Error handling and debugging").

An API client reads JSON; Flask's default error pages are HTML. Every
HTTPException (404, 405, ...) and any unhandled exception (500) answers
``{"status": code, "message": text}`` instead.
"""

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError


def error_response(error: HTTPException):
    response = jsonify(status=error.code, message=error.description)
    response.status_code = error.code
    # Keep headers the error carries, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def unexpected_error(error: Exception):
    # The traceback goes to the log, never to the client.
    return error_response(InternalServerError())


def register_json_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)
    app.register_error_handler(Exception, unexpected_error)
