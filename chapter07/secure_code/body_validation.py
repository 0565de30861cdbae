"""Book: chapter 7, "Asserting incoming data": a body against a schema.

Two limits before any code of ours reads a body: ``MAX_CONTENT_LENGTH``
(Werkzeug answers 413 when a body is larger, before reading it), and a JSON
schema with a type, a length or a range for every field, and no other
field. A failed check is a JSON 400 naming the field::

    >>> client = create_app().test_client()
    >>> client.post("/runs", json={"title": "Morning", "distance": 10.5}).json
    {'distance': 10.5, 'title': 'Morning'}
    >>> response = client.post("/runs", json={"title": "x" * 200, "distance": 1})
    >>> response.status_code, response.json["message"]
    (400, 'title: too long (at most 100 characters)')
"""

from flask import Flask, abort, jsonify, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from chapter02.skeleton.errors import register_json_errors

MAX_BODY_BYTES = 16 * 1024

RUN_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 100},
        "distance": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
        "tags": {
            "type": "array",
            "maxItems": 10,
            "items": {"type": "string", "maxLength": 30},
        },
    },
    "required": ["title", "distance"],
    "additionalProperties": False,
}
RUN_VALIDATOR = Draft202012Validator(RUN_SCHEMA)


def describe(error: ValidationError) -> str:
    """One short line for the client: which field, and what is wrong."""
    where = ".".join(str(part) for part in error.absolute_path) or "body"
    limit = error.validator_value
    if error.validator == "maxLength":
        return f"{where}: too long (at most {limit} characters)"
    if error.validator == "maxItems":
        return f"{where}: too many items (at most {limit})"
    # Other messages quote the value: cut, a body may be 16 KB.
    return f"{where}: {error.message[:120]}"


def validated(validator: Draft202012Validator) -> dict:
    """The request's JSON body, checked, or a JSON 400 (or 413)."""
    body = request.get_json(silent=True)
    if body is None:
        abort(400, "The body must be JSON (Content-Type: application/json).")
    error = best_match(validator.iter_errors(body))
    if error is not None:
        abort(400, describe(error))
    return body


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    register_json_errors(app)

    @app.post("/runs")
    def add_run():
        return jsonify(validated(RUN_VALIDATOR))

    return app
