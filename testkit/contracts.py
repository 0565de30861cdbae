"""What the data services' contract tests check, whichever chapter's.

Chapter 04's data service and chapter 08's are both checked against their
OpenAPI document by schemathesis, with the same checks: the service answers
with a status the document lists, in JSON, matching its schema, never a 500;
what the document accepts it accepts and what it refuses it refuses; and
every error is the repository's JSON error, ``{"status": ..., "message": ...}``.
"""

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

# A run as the data services take it: what a sync imports from Strava.
A_RUN = {
    "strava_id": 1,
    "name": "Morning run",
    "distance": 10000.0,
    "start_date": "2026-10-03T07:12:44Z",
    "elapsed_time": 3100,
    "moving_time": 3000,
    "average_speed": 3.33,
    "max_speed": 4.5,
}


def json_error_check(ctx, response, case):
    """Every error is the JSON the READMEs promise, never an HTML page."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), content_type
    body = response.json()
    assert body["status"] == response.status_code, body
    assert isinstance(body["message"], str) and body["message"], body
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    json_error_check,
]
