"""Book: chapter 8, "Building a ReactJS dashboard": errors a person can read.

The script's calls (``/api/...``) and any client asking for JSON get chapter
02's JSON error, ``{"status", "message"}``; a browser navigating to a page
gets the same message in a page, with a way back, never a bare status.
"""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from chapter02.skeleton.errors import error_response, register_json_errors


def wants_html() -> bool:
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def error_page(error: HTTPException):
    if not wants_html():
        return error_response(error)
    page = render_template("error.html", status=error.code, message=error.description)
    return page, error.code


def register_errors(app: Flask) -> None:
    register_json_errors(app)  # its JSON provider, and JSON for every error
    app.register_error_handler(HTTPException, error_page)
