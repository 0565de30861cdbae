"""The data service against its own contract, with generated requests.

Book: chapter 4, "Using Open API 2.0" (here OpenAPI 3.1), taken one step
further: instead of the hand-written requests of test_ch04_dataservice.py,
schemathesis reads openapi.yaml and generates them, valid ones (positive) and
invalid ones (negative: wrong types, missing fields, out-of-range ids), for
every operation. Whatever comes in, the service must answer with a status the
spec documents, in JSON, matching the documented schema, and never a 500; an
error is ``{"status": <code>, "message": "..."}``. And the two agree: what the
spec accepts the service accepts (no 400), what it refuses the service refuses.

Bounded and reproducible: 30 generated cases per operation on top of the
schema-derived boundary cases, derandomized (the same cases on every run),
no deadline, no Hypothesis example database written into the checkout.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from flask import request
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from openapi_core import OpenAPI
from openapi_core.contrib.flask import FlaskOpenAPIRequest
from openapi_core.exceptions import OpenAPIError

from chapter04.dataservice import create_app
from chapter04.monolith.models import Run, User, db
from chapter04.monolith.strava_client import parse_date
from testkit.contracts import A_RUN as RUN
from testkit.contracts import CHECKS
from testkit.databases import close_database

SPEC = Path(__file__).parent.parent / "dataservice" / "openapi.yaml"

# The example database is off (``database=None`` below), but Hypothesis also
# caches to ``.hypothesis/`` in the working directory, as soon as the tests are
# collected: elsewhere, unless HYPOTHESIS_STORAGE_DIRECTORY says where.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "hypothesis-chapter04")

OPENAPI = OpenAPI.from_file_path(str(SPEC))
# An explicit config: no schemathesis.toml picked up from the working directory.
schema = schemathesis.openapi.from_path(SPEC, config=schemathesis.Config())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)


def seeded_app():
    """A data service on a fresh in-memory SQLite, with user 1 and run 1."""
    app = create_app("testing")
    with app.app_context():
        user = User(email="ada@example.com", firstname="Ada")
        user.runs.append(Run(**{**RUN, "start_date": parse_date(RUN["start_date"])}))
        db.session.add(user)
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def app():
    """One data service for all the generated requests of the module.

    It keeps what they create, and user 1 and run 1 are there from the start
    so that the lookups by id (1 is the spec's minimum, a boundary case
    schemathesis always tries) reach the 200s, not only the 404s.
    """
    app = seeded_app()
    yield app
    close_database(app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None)
def test_the_service_keeps_its_contract(case, app):
    case.call_and_validate(app=app, checks=CHECKS)


# What schemathesis found, kept as plain examples: each was a 500 or a
# disagreement between the service and its spec before the fix.
@pytest.fixture
def client():
    app = seeded_app()
    yield app.test_client()
    close_database(app)


def refused_by_spec(client, path: str, body: str) -> bool:
    """Whether openapi.yaml refuses this POST too (a 400 must agree)."""
    with client.application.test_request_context(
        path, method="POST", data=body, content_type="application/json"
    ):
        try:
            OPENAPI.validate_request(FlaskOpenAPIRequest(request))
        except OpenAPIError:
            return True
    return False


@pytest.mark.parametrize("path", ["/users/9223372036854775808", "/runs/10" + "0" * 30])
def test_an_id_beyond_64_bits_is_a_404_not_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["message"] in ("No such user.", "No such run.")


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/users",
            '{"email": "bob@example.com", "age": 9223372036854775808}',
            "$.age: must be at most 9223372036854775807",
        ),
        (
            "/users",
            '{"email": "bob@example.com", "weight": 1e400}',
            "$.weight: must be at most 1.7976931348623157e+308",
        ),
        (
            "/users",
            '{"email": "bob@example.com", "weight": 1' + "0" * 400 + "}",
            "$.weight: must be at most 1.7976931348623157e+308",
        ),
        (
            "/users/1/runs",
            json.dumps(
                {**RUN, "strava_id": 2, "start_date": "0001-01-01T00:00:00+01:00"}
            ),
            "$.start_date: must match Z$",
        ),
    ],
)
def test_out_of_range_is_a_400_the_spec_agrees_with(client, path, body, message):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"status": 400, "message": message}
    assert refused_by_spec(client, path, body)


def test_what_the_spec_accepts_the_service_accepts(client):
    # 3.0 is an integer to JSON Schema; .test (special-use) is a domain too.
    body = {"email": "bob@runnerly.test", "max_hr": 190.0}
    response = client.post("/users", json=body)
    assert response.status_code == 201, response.json
    assert response.json["max_hr"] == 190
    assert isinstance(response.json["max_hr"], int)
    assert not refused_by_spec(client, "/users", json.dumps(body))


def test_a_body_nested_too_deep_is_a_json_400(client):
    # Deeper than Python's JSON parser recurses; not a shape schemathesis makes.
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post("/users", data=nested, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "status": 400,
        "message": "The body must be a JSON object.",
    }
